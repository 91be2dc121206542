"""L6 and L7: low-score leads get the content sequence until they engage; hot leads alert sales; contacted leads
without progress go to the silent pool and can be recycled to another rep."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
import time_machine

from shangji.core.services import setting_update
from shangji.core.timers import timers_fire_due
from shangji.leads.choices import AssignmentKind, NurtureStatus, Source
from shangji.leads.models import LeadAssignment, NurtureSequence, NurtureStep
from shangji.leads.nurture import nurture_click
from shangji.leads.services import LeadInput, lead_capture, lead_recycle, lead_touch, leads_mark_silent
from shangji.notify.models import Delivery, Notification, WebhookSubscription
from shangji.org.models import Territory

START = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


@pytest.fixture
def sequence(actors):
    hook = WebhookSubscription.objects.create(name="营销自动化", url="http://127.0.0.1:9/hook", secret="s3cret",
                                              event_types=["lead.nurture_step"], created_at=START)
    sequence = NurtureSequence.objects.create(name="制造业培育", channel="webhook", webhook=hook, created_at=START)
    NurtureStep.objects.create(sequence=sequence, position=1, delay_days=0, subject="《制造业数字化白皮书》",
                               content_url="https://example.com/whitepaper.pdf")
    NurtureStep.objects.create(sequence=sequence, position=2, delay_days=3, subject="案例：某汽车零部件厂 MES 上线",
                               content_url="https://example.com/case")
    return sequence


def capture(**fields):
    data = LeadInput(**{"name": "黄先生", "phone": "13800138000", "email": "huang@example.com", "city": "上海",
                        **fields})
    return lead_capture(source=Source.FORM, data=data)[0]


@time_machine.travel(START, tick=False)
def test_a_low_score_lead_gets_the_sequence_step_by_step_and_leaves_when_it_clicks(actors, sequence):
    lead = capture(budget="", industry="教育")
    enrollment = lead.nurture.get()
    assert lead.score < 40 and enrollment.status == NurtureStatus.ACTIVE
    timers_fire_due()
    sent = Delivery.objects.get(idempotency_key=f"nurture-{enrollment.pk}-1")
    assert sent.payload["data"]["subject"] == "《制造业数字化白皮书》"
    link = sent.payload["data"]["link"]
    assert enrollment.token in link
    timers_fire_due()  # the second step waits three days
    assert not Delivery.objects.filter(idempotency_key=f"nurture-{enrollment.pk}-2").exists()
    assert nurture_click(token=enrollment.token, position=1) == "https://example.com/whitepaper.pdf"
    enrollment.refresh_from_db()
    lead.refresh_from_db()
    assert enrollment.status == NurtureStatus.EXITED and "白皮书" in enrollment.exit_reason
    assert lead.downloads == 1 and "下载资料 1 次" in [line["label"] for line in lead.score_explanation]
    with time_machine.travel(START + timedelta(days=4), tick=False):
        timers_fire_due()
    assert not Delivery.objects.filter(idempotency_key=f"nurture-{enrollment.pk}-2").exists()


@time_machine.travel(START, tick=False)
def test_a_hot_lead_alerts_its_owner_and_their_manager(actors, sequence):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    setting_update(key="leads.hot_score", raw_value="70", actor=actors.sales_ops)
    lead = capture(company="上海精工", industry="制造业", budget="gt100", scale="large", page_seconds=200)
    assert lead.score >= 70 and not lead.nurture.exists()
    for user in (lead.owner, actors.team_lead):
        assert Notification.objects.filter(recipient=user, title__startswith="高意向线索").exists()


def test_a_contacted_lead_without_progress_goes_silent_and_is_recycled_to_a_colleague(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    with time_machine.travel(START, tick=False):
        lead = capture()
        lead_touch(lead=lead, actor=lead.owner, kind="call")
    first = lead.owner
    with time_machine.travel(START + timedelta(days=13), tick=False):
        assert leads_mark_silent() == 0
    with time_machine.travel(START + timedelta(days=15), tick=False):
        assert leads_mark_silent() == 1
        lead.refresh_from_db()
        assert lead.silent_since is not None
        with pytest.raises(Exception, match="主管"):
            lead_recycle(lead=lead, actor=first)
        lead_recycle(lead=lead, actor=actors.team_lead)
    lead.refresh_from_db()
    assert lead.owner not in (None, first) and lead.silent_since is None
    assert LeadAssignment.objects.filter(lead=lead, kind=AssignmentKind.RECYCLE).exists()
