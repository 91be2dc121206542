from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from shangji.conftest import make_opportunity, satisfy_gates, stage
from shangji.core.models import AuditEntry, Event
from shangji.pipeline.models import LostReason, StageChange
from shangji.pipeline.selectors import regressions, skip_rate
from shangji.pipeline.services import StaleVersion, opportunity_move, opportunity_update

pytestmark = pytest.mark.django_db


def test_creating_a_deal_records_its_first_stage(actors):
    deal = make_opportunity(actors.rep)
    [change] = StageChange.objects.filter(opportunity=deal)
    assert change.from_stage is None and change.to_stage == deal.stage and change.changed_by == actors.rep


def test_each_move_writes_one_stage_change_with_time_in_the_previous_stage(actors):
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        deal = make_opportunity(actors.rep, stage="线索")
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("接触"))
    change = StageChange.objects.filter(opportunity=deal).last()
    assert (change.from_stage.name, change.to_stage.name) == ("线索", "接触")
    assert 10 * 86400 - 5 <= change.seconds_in_from_stage <= 10 * 86400 + 5
    assert not change.is_regression and not change.is_skip
    assert AuditEntry.objects.filter(entity="opportunity", entity_id=deal.pk, action="stage_changed").count() == 1
    assert Event.objects.filter(name="opportunity.stage_changed", entity_id=deal.pk).count() == 1


def test_going_back_is_a_regression_and_jumping_ahead_is_a_skip(actors):
    deal = satisfy_gates(make_opportunity(actors.rep, stage="接触"))  # skipping 需求确认 needs its evidence
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("需求确认"))
    first, second = StageChange.objects.filter(opportunity=deal).order_by("id")[1:]
    assert first.is_skip and not first.is_regression
    assert second.is_regression and not second.is_skip
    assert list(regressions(user=actors.team_lead, from_stage=stage("方案提交"))) == [second]
    assert regressions(user=actors.other_rep).count() == 0
    assert skip_rate(user=actors.rep) == 1.0


def test_losing_a_deal_needs_a_reason_and_closes_it(actors):
    deal = make_opportunity(actors.rep)
    with pytest.raises(ValidationError) as error:
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("输单"))
    assert "输单原因" in str(error.value)
    assert StageChange.objects.filter(opportunity=deal).count() == 1
    reason = LostReason.objects.get(name="价格太高")
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("输单"), lost_reason=reason)
    assert deal.closed_at is not None and deal.lost_reason == reason


def test_a_stale_version_is_refused_instead_of_overwriting(actors):
    deal = make_opportunity(actors.rep)
    read_version = deal.version
    opportunity_update(opportunity=deal, actor=actors.teammate, version=read_version, amount="150000")
    with pytest.raises(StaleVersion):
        opportunity_update(opportunity=deal, actor=actors.rep, version=read_version, amount="90000")
    deal.refresh_from_db()
    assert str(deal.amount) == "150000.00" and deal.version == read_version + 1


def test_amount_and_owner_changes_are_audited(actors):
    deal = make_opportunity(actors.rep, amount="100")
    opportunity_update(opportunity=deal, actor=actors.team_lead, amount="250.50", owner=actors.teammate)
    fields = dict(AuditEntry.objects.filter(entity="opportunity", entity_id=deal.pk, action="updated")
                  .values_list("field", "new_value"))
    assert fields == {"amount": "250.50", "owner_id": str(actors.teammate.pk)}


def test_negative_amount_is_refused_with_a_chinese_message(actors):
    deal = make_opportunity(actors.rep)
    with pytest.raises(ValidationError, match="金额不能为负数"):
        opportunity_update(opportunity=deal, actor=actors.rep, amount="-1")
    deal.refresh_from_db()
    assert str(deal.amount) == "120000.00"
