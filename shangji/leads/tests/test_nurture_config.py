"""Nurture sequence configuration (L6): only sales ops and admins edit sequences, bad steps are refused in Chinese
with nothing half-written, one sequence is active at a time, every change is audited, edits keep the leads
already in a sequence on the right step, and the sequence page lists the leads in it."""

from __future__ import annotations

import datetime as dt
import os
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from shangji.conftest import log_in, signed_in
from shangji.core.models import AuditEntry, Timer, TimerStatus
from shangji.core.timers import timers_fire_due
from shangji.leads.choices import NurtureStatus, Source
from shangji.leads.models import NurtureEnrollment, NurtureSequence, NurtureStep
from shangji.leads.nurture import nurture_click
from shangji.leads.nurture_services import (
    StepInput,
    nurture_sequence_activate,
    nurture_sequence_create,
    nurture_sequence_deactivate,
    nurture_sequence_update,
)
from shangji.leads.services import LeadInput, lead_capture
from shangji.notify.models import Delivery, WebhookSubscription

START = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai
STEPS = [StepInput(subject="《制造业数字化白皮书》", delay_days=0, content_url="https://example.com/whitepaper.pdf"),
         StepInput(subject="案例：某汽车零部件厂 MES 上线", delay_days=3, content_url="https://example.com/case"),
         StepInput(subject="邀请参加线上研讨会", delay_days=7)]


@pytest.fixture
def hook(actors):
    return WebhookSubscription.objects.create(name="营销自动化", url="http://127.0.0.1:9/hook", secret="s3cret",
                                              event_types=["lead.nurture_step"], created_at=START)


@pytest.fixture
def sequence(actors, hook):
    return nurture_sequence_create(actor=actors.sales_ops, name="制造业培育", channel="webhook", webhook=hook,
                                   steps=STEPS, is_active=True)


def _capture(name="黄先生", phone="13800138000"):
    data = LeadInput(name=name, phone=phone, email="huang@example.com", city="上海", budget="", industry="教育")
    return lead_capture(source=Source.FORM, data=data)[0]


def _post_data(*, name, channel="email", webhook="", steps, is_active=False, initial=0):
    data = {"name": name, "channel": channel, "webhook": webhook, "steps-TOTAL_FORMS": str(len(steps)),
            "steps-INITIAL_FORMS": str(initial), "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "200"}
    if is_active:
        data["is_active"] = "on"
    for index, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{index}-{key}"] = value
    return data


def _writes(actors, sequence):
    step = {"position": "1", "delay_days": "0", "subject": "新内容"}
    return [
        ("get", reverse("nurture:index"), {}),
        ("get", reverse("nurture:create"), {}),
        ("post", reverse("nurture:create"), _post_data(name="新序列", steps=[step])),
        ("get", reverse("nurture:edit", args=[sequence.pk]), {}),
        ("post", reverse("nurture:edit", args=[sequence.pk]), _post_data(name="改名", steps=[step])),
        ("post", reverse("nurture:deactivate", args=[sequence.pk]), {}),
        ("post", reverse("nurture:activate", args=[sequence.pk]), {}),
        ("get", reverse("nurture:detail", args=[sequence.pk]), {}),
    ]


@pytest.mark.parametrize("who", ["rep", "teammate", "team_lead", "regional_manager", "director", "presales",
                                 "finance", "marketing"])
def test_everyone_but_sales_ops_and_admins_gets_403_and_nothing_changes(actors, sequence, who):
    client = signed_in(getattr(actors, who))
    audit_before = AuditEntry.objects.count()
    for method, url, data in _writes(actors, sequence):
        assert getattr(client, method)(url, data).status_code == 403, url
    sequence.refresh_from_db()
    assert (sequence.name, sequence.is_active, sequence.steps.count()) == ("制造业培育", True, 3)
    assert NurtureSequence.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_the_services_refuse_anyone_who_cannot_configure(actors, sequence):
    with pytest.raises(PermissionDenied):
        nurture_sequence_create(actor=actors.marketing, name="市场部的序列", channel="email", steps=STEPS)
    with pytest.raises(PermissionDenied):
        nurture_sequence_deactivate(sequence=sequence, actor=actors.regional_manager)
    assert NurtureSequence.objects.count() == 1 and NurtureSequence.objects.get().is_active


def test_anonymous_visitors_are_sent_to_log_in(actors, sequence):
    response = Client().get(reverse("nurture:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["sales_ops", "admin"])
@time_machine.travel(START, tick=False)
def test_the_list_shows_each_sequence_with_its_leads_and_the_thresholds_that_drive_it(actors, sequence, who):
    other = nurture_sequence_create(actor=actors.sales_ops, name="教育行业培育", channel="email",
                                    steps=STEPS[:1])
    lead = _capture()
    _capture(name="李女士", phone="13900139000")
    nurture_click(token=lead.nurture.get().token, position=1)
    html = signed_in(getattr(actors, who)).get(reverse("nurture:index")).content.decode()
    row = html.split('data-sequence="制造业培育"')[1].split("</tr>")[0]
    assert "启用中" in row and ">3<" in row  # three steps
    assert "点击了“《制造业数字化白皮书》”" in row
    assert "已停用" in html.split(f'data-sequence="{other.name}"')[1].split("</tr>")[0]
    assert "leads.nurture_below_score" in html and "leads.hot_score" in html
    assert reverse("core:settings") in html
    active, exited = (NurtureEnrollment.objects.filter(sequence=sequence, status=s).count()
                      for s in (NurtureStatus.ACTIVE, NurtureStatus.EXITED))
    assert (active, exited) == (1, 1)
    assert f'?status=active">{active}</a>' in row


def test_a_sequence_is_created_with_its_steps_in_order_and_audited(actors):
    client = signed_in(actors.sales_ops)
    response = client.post(reverse("nurture:create"), _post_data(name="新客户培育", is_active=True, steps=[
        {"position": "2", "delay_days": "5", "subject": "第二封：案例"},
        {"position": "1", "delay_days": "0", "subject": "第一封：白皮书", "content_url": "https://example.com/a.pdf"},
        {"position": "", "delay_days": "", "subject": ""},  # a blank added row is ignored
    ]))
    sequence = NurtureSequence.objects.get(name="新客户培育")
    assert response.status_code == 302 and response["Location"] == reverse("nurture:detail", args=[sequence.pk])
    assert [(s.position, s.subject) for s in sequence.steps.all()] == [(1, "第一封：白皮书"), (2, "第二封：案例")]
    assert sequence.is_active and sequence.channel == "email"
    audit = AuditEntry.objects.filter(entity="nurture_sequence", entity_id=sequence.pk)
    assert set(audit.values_list("action", flat=True)) == {"created", "activated"}
    assert "第一封：白皮书" in audit.get(field="steps").new_value
    assert audit.get(field="name").actor == actors.sales_ops


def test_bad_steps_are_refused_in_chinese_and_nothing_is_written(actors):
    client = signed_in(actors.admin)
    audit_before = AuditEntry.objects.count()
    response = client.post(reverse("nurture:create"), _post_data(name="半成品", steps=[
        {"position": "1", "delay_days": "0", "subject": "好的一步"},
        {"position": "2", "delay_days": "-1", "subject": ""},
        {"position": "2", "delay_days": "1", "subject": "链接不对", "content_url": "ftp://example.com/x"},
    ]))
    html = response.content.decode()
    assert response.status_code == 200
    for message in ("第 2 行：请填写标题。", "第 2 行：间隔天数须在 0 到 3650 之间。",
                    "第 3 行：内容链接须是以 http:// 或 https:// 开头的完整网址。", "第 2、3 行的顺序都是 2"):
        assert message in html
    assert not NurtureSequence.objects.exists() and not NurtureStep.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_sequence_needs_a_name_and_at_least_one_step(actors):
    with pytest.raises(ValidationError) as error:
        nurture_sequence_create(actor=actors.sales_ops, name="  ", channel="email", steps=[])
    assert error.value.message_dict == {"name": ["请填写序列名称。"], "steps": ["请至少添加一个步骤。"]}


def test_the_webhook_channel_needs_an_active_subscription(actors, hook):
    with pytest.raises(ValidationError) as error:
        nurture_sequence_create(actor=actors.sales_ops, name="外发", channel="webhook", steps=STEPS)
    assert error.value.message_dict["webhook"] == ["Webhook 发送方式需要选择一个 Webhook 订阅。"]
    hook.is_active = False
    hook.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as error:
        nurture_sequence_create(actor=actors.sales_ops, name="外发", channel="webhook", webhook=hook, steps=STEPS)
    assert "已停用" in error.value.message_dict["webhook"][0]
    email = nurture_sequence_create(actor=actors.sales_ops, name="邮件", channel="email", webhook=hook, steps=STEPS)
    assert email.webhook is None  # e-mail needs nothing more, and keeps no stray subscription
    assert not NurtureSequence.objects.filter(name="外发").exists()


def test_a_bad_edit_changes_nothing(actors, sequence):
    steps = list(sequence.steps.values_list("pk", "position", "subject", "delay_days"))
    response = signed_in(actors.sales_ops).post(reverse("nurture:edit", args=[sequence.pk]), _post_data(
        name="改了名字", channel="webhook", webhook=str(sequence.webhook_id), initial=3, steps=[
            {"id": str(pk), "position": str(position), "delay_days": str(delay), "subject": subject}
            for pk, position, subject, delay in steps[:2]] + [
            {"id": str(steps[2][0]), "position": "3", "delay_days": "1", "subject": "改了",
             "content_url": "javascript:alert(1)"}]))
    assert "第 3 行：内容链接须是以 http:// 或 https:// 开头的完整网址。" in response.content.decode()
    sequence.refresh_from_db()
    assert sequence.name == "制造业培育"
    assert list(sequence.steps.values_list("pk", "position", "subject", "delay_days")) == steps
    assert not AuditEntry.objects.filter(entity="nurture_sequence", action="updated").exists()


def test_only_one_sequence_is_active_and_switching_is_audited(actors, sequence):
    second = nurture_sequence_create(actor=actors.sales_ops, name="教育行业培育", channel="email", steps=STEPS,
                                     is_active=True)
    sequence.refresh_from_db()
    assert second.is_active and not sequence.is_active
    assert list(NurtureSequence.objects.filter(is_active=True)) == [second]
    switched_off = AuditEntry.objects.get(entity="nurture_sequence", entity_id=sequence.pk, action="deactivated")
    assert "教育行业培育" in switched_off.note and (switched_off.old_value, switched_off.new_value) == ("True", "False")
    response = signed_in(actors.admin).post(reverse("nurture:activate", args=[sequence.pk]))
    assert response.status_code == 302
    assert list(NurtureSequence.objects.filter(is_active=True)) == [sequence]
    assert AuditEntry.objects.filter(entity="nurture_sequence", entity_id=sequence.pk, action="activated",
                                     actor=actors.admin).exists()
    nurture_sequence_deactivate(sequence=sequence, actor=actors.sales_ops)
    assert not NurtureSequence.objects.filter(is_active=True).exists()


@time_machine.travel(START, tick=False)
def test_new_low_score_leads_join_the_sequence_made_active(actors, sequence):
    second = nurture_sequence_create(actor=actors.sales_ops, name="教育行业培育", channel="email", steps=STEPS)
    assert _capture().nurture.get().sequence == sequence
    nurture_sequence_activate(sequence=second, actor=actors.sales_ops)
    assert _capture(name="李女士", phone="13900139000").nurture.get().sequence == second


def test_a_sequence_whose_webhook_was_switched_off_cannot_be_activated(actors, sequence, hook):
    nurture_sequence_deactivate(sequence=sequence, actor=actors.sales_ops)
    hook.is_active = False
    hook.save(update_fields=["is_active"])
    response = signed_in(actors.sales_ops).post(reverse("nurture:activate", args=[sequence.pk]), follow=True)
    assert "Webhook 订阅未启用" in response.content.decode()
    sequence.refresh_from_db()
    assert not sequence.is_active


def _rows(sequence, subjects=None):
    subjects = subjects or {}
    return [StepInput(id=s.pk, position=s.position, delay_days=s.delay_days,
                      subject=subjects.get(s.position, s.subject), content_url=s.content_url)
            for s in sequence.steps.order_by("position")]


def test_a_step_not_yet_reached_can_be_removed_and_the_lead_gets_the_next_one(actors, sequence):
    with time_machine.travel(START, tick=False):
        enrollment = _capture().nurture.get()
        timers_fire_due()  # step 1 goes out at once; step 2 waits three days
    enrollment.refresh_from_db()
    assert enrollment.steps_sent == 1
    with time_machine.travel(START + timedelta(days=1), tick=False):
        rows = _rows(sequence)
        nurture_sequence_update(sequence=sequence, actor=actors.sales_ops, name=sequence.name, channel="webhook",
                                webhook=sequence.webhook, steps=[rows[0], rows[2]])
    pending = Timer.objects.get(key__startswith=f"nurture:{enrollment.pk}:", status=TimerStatus.PENDING)
    assert pending.payload["position"] == 3
    assert pending.due_at == START + timedelta(days=7)  # seven days after step 1 went out
    with time_machine.travel(START + timedelta(days=8), tick=False):
        timers_fire_due()
    enrollment.refresh_from_db()
    assert Delivery.objects.filter(idempotency_key=f"nurture-{enrollment.pk}-3").exists()
    assert (enrollment.status, enrollment.steps_sent) == (NurtureStatus.FINISHED, 2)


def test_a_step_already_sent_to_a_lead_in_the_sequence_keeps_its_place(actors, sequence):
    with time_machine.travel(START, tick=False):
        enrollment = _capture().nurture.get()
        timers_fire_due()
    rows = _rows(sequence, {1: "白皮书（新版）"})
    with pytest.raises(ValidationError) as error:
        nurture_sequence_update(sequence=sequence, actor=actors.sales_ops, name=sequence.name, channel="webhook",
                                webhook=sequence.webhook, steps=rows[1:])
    assert "已发送给 1 条仍在培育中的线索，不能删除" in error.value.message_dict["steps"][0]
    with pytest.raises(ValidationError) as error:
        nurture_sequence_update(sequence=sequence, actor=actors.sales_ops, name=sequence.name, channel="webhook",
                                webhook=sequence.webhook, steps=[*rows, StepInput(subject="插到前面", delay_days=0,
                                                                                    position=1)])
    assert error.value.message_dict["steps"] == ["第 1、4 行的顺序都是 1，每一步的顺序不能重复。"]
    assert sequence.steps.count() == 3
    # Its content can change, and a new step added before the pending one is sent next.
    new = StepInput(subject="新增：产品演示视频", delay_days=1, position=2)
    shifted = [rows[0], *(StepInput(id=r.id, position=r.position + 1, delay_days=r.delay_days, subject=r.subject)
                          for r in rows[1:]), new]
    nurture_sequence_update(sequence=sequence, actor=actors.sales_ops, name=sequence.name, channel="webhook",
                            webhook=sequence.webhook, steps=shifted)
    assert sequence.steps.get(position=1).subject == "白皮书（新版）"
    pending = Timer.objects.get(key__startswith=f"nurture:{enrollment.pk}:", status=TimerStatus.PENDING)
    assert (pending.payload["position"], pending.due_at) == (2, START + timedelta(days=1))
    changed = AuditEntry.objects.get(entity="nurture_sequence", entity_id=sequence.pk, action="updated")
    assert "白皮书（新版）" in changed.new_value and "新增：产品演示视频" in changed.new_value


@time_machine.travel(START, tick=False)
def test_the_sequence_page_lists_its_leads_with_links_and_pages(actors, sequence):
    leads = [_capture(name=f"客户{i}", phone=f"1380013{i:04d}") for i in range(52)]
    nurture_sequence_deactivate(sequence=sequence, actor=actors.sales_ops)
    client = signed_in(actors.sales_ops)
    first = client.get(reverse("nurture:detail", args=[sequence.pk])).content.decode()
    assert first.count("data-enrollment=") == 50 and "第 1 / 2 页" in first
    newest = leads[-1]
    assert f'href="{reverse("leads:detail", args=[newest.pk])}">{newest.name}</a>' in first
    assert "0 / 3" in first and "培育中" in first
    second = client.get(reverse("nurture:detail", args=[sequence.pk]) + "?page=2").content.decode()
    assert second.count("data-enrollment=") == 2
    exited = client.get(reverse("nurture:detail", args=[sequence.pk]) + "?status=exited").content.decode()
    assert "还没有线索进入此序列。" in exited


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sales_ops_add_a_step_in_the_browser(actors, hook, page):
    sequence = nurture_sequence_create(actor=actors.sales_ops, name="制造业培育", channel="webhook", webhook=hook,
                                       steps=STEPS[:2], is_active=True)
    shots = os.environ.get("SHANGJI_SCREENSHOTS")
    log_in(page, "ops_1")
    page.goto(reverse("nurture:edit", args=[sequence.pk]))
    page.get_by_role("button", name="添加一步").click()
    row = page.locator("#steps tbody tr").nth(2)
    row.get_by_label("标题").fill("邀请参加线上研讨会")
    row.get_by_label("内容链接").fill("www.example.com")
    page.get_by_role("button", name="保存").click()
    page.locator("#step-errors").wait_for()
    assert "第 3 行：内容链接须是以 http:// 或 https:// 开头的完整网址。" in page.locator("#step-errors").inner_text()
    page.locator("#steps tbody tr").nth(2).get_by_label("内容链接").fill("https://example.com/webinar")
    if shots:
        page.screenshot(path=os.path.join(shots, "nurture-form.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**{reverse('nurture:detail', args=[sequence.pk])}")
    assert [s.subject for s in sequence.steps.order_by("position")][-1] == "邀请参加线上研讨会"
    page.goto(reverse("nurture:index"))
    assert "启用中" in page.locator("#nurture-sequences tr[data-sequence=制造业培育]").inner_text()
    if shots:
        page.screenshot(path=os.path.join(shots, "nurture.png"), full_page=True)
