"""L5: the shipped SLA rules remind the owner, then escalate to the manager, then reassign — each on its own
clock from the assignment, all cancelled by the first contact; time to first contact is recorded."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
import time_machine

from shangji.automation.models import RuleRun
from shangji.conftest import drain_events
from shangji.core.models import Timer, TimerStatus
from shangji.core.services import setting_update
from shangji.core.timers import timers_fire_due
from shangji.leads.choices import AssignmentKind, LeadStatus, Source
from shangji.leads.models import LeadAssignment
from shangji.leads.services import LeadInput, campaign_create, lead_capture, lead_touch
from shangji.notify.models import Notification
from shangji.org.models import Territory

START = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


def titles(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


@pytest.fixture
def lead(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    campaign = campaign_create(actor=actors.marketing, name="官网咨询")
    with time_machine.travel(START, tick=False):
        lead, _ = lead_capture(source=Source.FORM, campaign=campaign,
                               data=LeadInput(name="黄先生", company="上海精工", phone="13800138000", city="上海"))
        drain_events()
    return lead


def at(minutes: int):
    return time_machine.travel(START + timedelta(minutes=minutes), tick=False)


def test_no_contact_reminds_then_escalates_then_reassigns(actors, lead):
    first_owner = lead.owner
    other = actors.teammate if first_owner == actors.rep else actors.rep
    with at(14):
        timers_fire_due()
    assert not [t for t in titles(first_owner) if t.startswith("请尽快联系线索")]
    with at(16):
        timers_fire_due()
    assert "请尽快联系线索：黄先生" in titles(first_owner)
    with at(31):
        timers_fire_due()
    assert any(t.startswith("线索超时未联系：黄先生") for t in titles(actors.team_lead))
    with at(61):
        timers_fire_due()
        drain_events()
    lead.refresh_from_db()
    assert lead.owner == other and lead.status == LeadStatus.ASSIGNED
    assert LeadAssignment.objects.filter(lead=lead, kind=AssignmentKind.SLA, to_owner=other).exists()
    assert any(t.startswith("新线索：黄先生") for t in titles(other))
    # The new owner's clocks start from the reassignment.
    pending = Timer.objects.filter(entity="lead", entity_id=lead.pk, status=TimerStatus.PENDING)
    assert pending.count() == 3 and min(t.due_at for t in pending) == START + timedelta(minutes=61 + 15)


def test_the_first_contact_stops_every_clock_and_records_the_time(actors, lead):
    with at(9):
        lead_touch(lead=lead, actor=lead.owner, kind="call", note="已电话沟通需求")
        drain_events()
    assert not Timer.objects.filter(entity="lead", entity_id=lead.pk, status=TimerStatus.PENDING).exists()
    with at(120):
        timers_fire_due()
    lead.refresh_from_db()
    assert lead.first_contact_at - lead.created_at == timedelta(minutes=9)
    assert not RuleRun.objects.filter(entity="lead", entity_id=lead.pk, outcome="fired").exists()


def test_the_delays_are_settings(actors, lead):
    setting_update(key="leads.sla_remind_minutes", raw_value="5", actor=actors.sales_ops)
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        other, _ = lead_capture(source=Source.FORM, campaign=lead.campaign,
                                data=LeadInput(name="周女士", phone="13900139000", city="上海"))
        drain_events()
    with at(7):
        timers_fire_due()
    assert "请尽快联系线索：周女士" in titles(other.owner)
