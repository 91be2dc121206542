"""Capture runs the whole path: a lead is tagged, scored (with an explanation that sums to the score),
assigned by the chain with its reason, and the rep is told — in one transaction."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from shangji.customers.models import Industry
from shangji.leads.choices import LeadStatus, Source
from shangji.leads.models import LeadAssignment
from shangji.leads.services import LeadInput, campaign_create, lead_capture, lead_values
from shangji.notify.models import Notification
from shangji.org.models import SalesProfile, Territory

# A Tuesday, 10:00 in Shanghai: inside default working hours.
WORKING_HOURS = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def campaign(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    return campaign_create(actor=actors.marketing, name="上海工业展", industry=Industry.objects.get(name="制造业"))


def capture(campaign, **fields):
    data = LeadInput(**{"name": "黄先生", "phone": "13800138000", "city": "上海", **fields})
    return lead_capture(source=Source.FORM, campaign=campaign, data=data)[0]


@time_machine.travel(WORKING_HOURS, tick=False)
def test_a_captured_lead_is_scored_assigned_and_the_rep_told(actors, campaign):
    lead = capture(campaign, company="上海精工机械有限公司", industry="制造业", budget="50-100",
                   need="我们想升级ERP系统，和MES对接，希望先试用")
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.owner in (actors.rep, actors.teammate)
    assert sum(line["points"] for line in lead.score_explanation) == lead.score
    labels = [line["label"] for line in lead.score_explanation]
    assert "行业匹配: 制造业" in labels and any(label.startswith("预算") for label in labels)
    assert {"kind": "intent", "value": "ERP"} in lead.tags
    assert "上海" in lead.assignment_reason and lead.owner.display_name in lead.assignment_reason
    assert Notification.objects.filter(recipient=lead.owner, entity="lead", entity_id=lead.pk).exists()
    assert LeadAssignment.objects.filter(lead=lead, to_owner=lead.owner).count() == 1


@time_machine.travel(WORKING_HOURS, tick=False)
def test_round_robin_alternates_between_equally_loaded_reps(actors, campaign):
    owners = [capture(campaign, phone=f"1380013800{i}").owner for i in range(4)]
    assert owners[0] != owners[1]
    assert {owners[0], owners[1]} == {actors.rep, actors.teammate}


@time_machine.travel(WORKING_HOURS, tick=False)
def test_everyone_at_capacity_queues_the_lead_and_tells_the_manager(actors, campaign):
    for rep in (actors.rep, actors.teammate):
        SalesProfile.objects.create(user=rep, lead_capacity=1)
    capture(campaign, phone="13800138001")
    capture(campaign, phone="13800138002")
    lead = capture(campaign, phone="13800138003")
    assert lead.owner is None and lead.status == LeadStatus.QUEUED and lead.team == actors.team
    assert "满额" in lead.assignment_reason
    assert Notification.objects.filter(recipient=actors.team_lead, entity_id=lead.pk).exists()


@time_machine.travel(dt.datetime(2026, 11, 17, 14, 0, tzinfo=dt.UTC), tick=False)  # 22:00 in Shanghai
def test_nobody_on_shift_queues_the_lead(actors, campaign):
    lead = capture(campaign)
    assert lead.owner is None and "不在岗" in lead.assignment_reason


def test_a_malformed_phone_is_kept_and_flagged(actors, campaign):
    lead = capture(campaign, phone="12345")
    assert lead.phone == "12345" and lead.phone_valid is False


def test_bad_input_is_refused_with_chinese_messages_and_nothing_written(actors, campaign):
    with pytest.raises(ValidationError) as error:
        capture(campaign, name="", phone="", budget="很多")
    assert set(error.value.message_dict) == {"name", "phone", "budget"}
    assert not campaign.leads.exists()


def test_the_same_idempotency_key_creates_one_lead(actors, campaign):
    data = LeadInput(name="黄先生", phone="13800138000")
    first, created = lead_capture(source=Source.API, campaign=campaign, data=data, idempotency_key="abc")
    again, created_again = lead_capture(source=Source.API, campaign=campaign, data=data, idempotency_key="abc")
    assert created and not created_again and first.pk == again.pk


def test_without_a_territory_the_org_tree_routes_by_city(actors):
    campaign = campaign_create(actor=actors.marketing, name="深圳线上直播")
    with time_machine.travel(WORKING_HOURS, tick=False):
        lead = capture(campaign, city="深圳")
    assert lead.owner == actors.other_rep
    assert "按地市“深圳”分配" in lead.assignment_reason


@time_machine.travel(WORKING_HOURS, tick=False)
def test_a_deferred_lead_is_processed_once_even_when_its_task_is_lost(actors, campaign):
    from shangji.leads.services import leads_process_stuck, leads_process_waiting

    lead, _ = lead_capture(source=Source.API, campaign=campaign, defer=True,
                           data=LeadInput(name="黄先生", phone="13800138000", city="上海"))
    assert lead.status == LeadStatus.NEW and lead.owner is None and lead.score is None
    assert leads_process_stuck() == 0  # not yet overdue: its task is still expected
    with time_machine.travel(WORKING_HOURS + dt.timedelta(seconds=30), tick=False):
        assert leads_process_stuck() == 1
    assert leads_process_waiting() == 0  # the task arriving late changes nothing
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED and lead.score is not None
    assert LeadAssignment.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "stored"), [("50-100", "50-100"), ("50–100万", "50-100"), ("50-100万", "50-100"),
                                               ("100万以上", "gt100"), ("", "")])
def test_a_budget_is_taken_by_its_value_or_its_label(typed, stored):
    assert lead_values(LeadInput(name="黄先生", phone="13800138000", budget=typed))["budget"] == stored


@pytest.mark.django_db
def test_an_unknown_budget_names_the_choices():
    with pytest.raises(ValidationError) as error:
        lead_values(LeadInput(name="黄先生", phone="13800138000", budget="很多"))
    assert error.value.message_dict["budget"] == ["预算请选择：10万以下、10–50万、50–100万、100万以上。"]
