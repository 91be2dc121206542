"""P2 stage gates: the exit checklist of each kind, what blocks a move and what does not."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shangji.conftest import make_opportunity, satisfy_gates, stage
from shangji.core.attachments import attachment_add
from shangji.core.models import AuditEntry, CustomField, Event
from shangji.core.services import freeze_release, freeze_set
from shangji.pipeline.evidence import form_submission_create, opportunity_activity_record
from shangji.pipeline.gates import GateNotMet, gate_check, gate_checklist
from shangji.pipeline.models import (
    DeliverableKind,
    FormTemplate,
    LostReason,
    Opportunity,
    PipelineTotal,
    StageChange,
    StageGate,
)
from shangji.pipeline.services import OpportunityFrozen, opportunity_move, opportunity_update

pytestmark = pytest.mark.django_db
NEEDS = {"q1": "产线换型慢，质量追溯靠纸质记录", "q3": "是"}


def pdf(name="通话纪要.pdf", size=64):
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def needs_form():
    return FormTemplate.objects.get(code="customer_needs")


def items_by_label(deal, to):
    deal.refresh_from_db()
    return {item.label: item for item in gate_checklist(opportunity=deal, to_stage=stage(to))}


def moves_written(deal) -> int:
    return StageChange.objects.filter(opportunity=deal).count()


def test_needs_confirmed_exit_lists_the_needs_form_and_the_call_summary_as_missing(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    items = items_by_label(deal, "方案提交")
    assert list(items) == ["填写《客户需求清单》", "上传通话录音纪要"]
    assert not any(item.met for item in items.values())
    assert items["填写《客户需求清单》"].missing_sentence == "缺少：《客户需求清单》（需填写）"
    assert items["上传通话录音纪要"].missing_sentence == "缺少：通话录音纪要（需上传）"
    assert items["填写《客户需求清单》"].action_url == f"/opportunities/{deal.pk}/forms/{needs_form().pk}/"
    assert items["上传通话录音纪要"].action_url.endswith("?upload_kind=call_recording_summary#attachments")


def test_a_submitted_form_and_an_uploaded_summary_are_shown_as_evidence_and_unlock_the_move(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    with pytest.raises(GateNotMet):
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    form_submission_create(template=needs_form(), opportunity=deal, answers=NEEDS, actor=actors.rep)
    file = attachment_add(entity="opportunity", entity_id=deal.pk, kind="call_recording_summary", upload=pdf(),
                          actor=actors.rep)
    items = items_by_label(deal, "方案提交")
    day = timezone.localtime(timezone.now()).strftime("%m-%d")
    assert items["填写《客户需求清单》"].met
    assert items["填写《客户需求清单》"].evidence[0]["text"] == f"《客户需求清单》 张伟 {day} 提交"
    assert items["上传通话录音纪要"].evidence[0]["text"] == f"通话录音纪要：通话纪要.pdf 张伟 {day} 上传"
    assert items["上传通话录音纪要"].evidence[0]["url"] == f"/opportunities/attachments/{file.pk}/"
    deal.refresh_from_db()
    moved = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    assert moved.stage.name == "方案提交"


def test_a_plain_file_or_another_kind_does_not_count_as_the_call_summary(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    attachment_add(entity="opportunity", entity_id=deal.pk, kind="", upload=pdf(), actor=actors.rep)
    attachment_add(entity="opportunity", entity_id=deal.pk, kind="quotation", upload=pdf("报价.pdf"), actor=actors.rep)
    assert not items_by_label(deal, "方案提交")["上传通话录音纪要"].met


def test_an_unmet_gate_blocks_the_move_with_every_missing_sentence_and_writes_nothing(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    before = (moves_written(deal), AuditEntry.objects.count(), Event.objects.count(),
              list(PipelineTotal.objects.values_list("stage_id", "count")))
    with pytest.raises(GateNotMet) as blocked:
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    assert blocked.value.missing == ["缺少：《客户需求清单》（需填写）", "缺少：通话录音纪要（需上传）"]
    assert blocked.value.messages == [
        "无法推进到“方案提交”：缺少：《客户需求清单》（需填写）；缺少：通话录音纪要（需上传）"]
    assert isinstance(blocked.value, ValidationError)
    deal.refresh_from_db()
    assert deal.stage.name == "需求确认" and deal.version == 1
    assert before == (moves_written(deal), AuditEntry.objects.count(), Event.objects.count(),
                      list(PipelineTotal.objects.values_list("stage_id", "count")))


def test_skipping_over_a_gated_stage_is_blocked_by_that_stages_checklist(actors):
    deal = make_opportunity(actors.rep, stage="接触")
    items = items_by_label(deal, "谈判")  # leaves 接触, skips 需求确认 and 方案提交
    assert [(item.stage, item.label) for item in items.values()] == [
        ("需求确认", "填写《客户需求清单》"), ("需求确认", "上传通话录音纪要"), ("方案提交", "填写预计成交日期")]
    with pytest.raises(GateNotMet):
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    assert moves_written(deal) == 1
    assert items_by_label(deal, "需求确认") == {}  # leaving 接触 itself needs nothing


def test_the_proposal_exit_needs_the_expected_close_date(actors):
    deal = satisfy_gates(make_opportunity(actors.rep, stage="方案提交"))
    opportunity_update(opportunity=deal, actor=actors.rep, expected_close_date=None)
    item = items_by_label(deal, "谈判")["填写预计成交日期"]
    assert not item.met and item.missing_sentence == "缺少：预计成交日期（需填写）"
    assert item.action_url == f"/opportunities/{deal.pk}/edit/"
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, actor=actors.rep, expected_close_date=timezone.localdate() + timedelta(30))
    item = items_by_label(deal, "谈判")["填写预计成交日期"]
    assert item.met and item.evidence[0]["text"].startswith("预计成交日期：")


def test_regressions_moves_to_lost_and_reopening_are_not_gated(actors):
    deal = make_opportunity(actors.rep, stage="方案提交")
    assert gate_checklist(opportunity=deal, to_stage=stage("需求确认")) == []
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("需求确认"))
    assert StageChange.objects.filter(opportunity=deal).last().is_regression
    reason = LostReason.objects.first()
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("输单"), lost_reason=reason)
    assert deal.stage.name == "输单"
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("谈判"))  # reopened
    assert deal.stage.name == "谈判"


def test_an_activity_gate_counts_only_activities_since_the_deal_entered_the_stage(actors):
    call = DeliverableKind.objects.get(code="call_recording_summary")
    StageGate.objects.create(stage=stage("接触"), kind="activity", interaction_kind="call", deliverable_kind=call,
                             label="电话沟通并上传纪要", sequence=1)
    with time_machine.travel(timezone.now() - timedelta(days=5), tick=False):
        deal = make_opportunity(actors.rep, stage="线索")
        opportunity_activity_record(opportunity=deal, actor=actors.rep, kind="call", summary="首次电话",
                                    upload=pdf(), upload_kind="call_recording_summary")
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("接触"))
    item = items_by_label(deal, "需求确认")["电话沟通并上传纪要"]
    assert not item.met  # the call happened before the deal entered 接触
    assert item.missing_sentence == "缺少：附带通话录音纪要的电话记录（需在进入“接触”后记录）"
    opportunity_activity_record(opportunity=deal, actor=actors.rep, kind="call", summary="确认需求范围")
    assert not items_by_label(deal, "需求确认")["电话沟通并上传纪要"].met  # no summary attached
    opportunity_activity_record(opportunity=deal, actor=actors.rep, kind="call", summary="再次确认",
                                upload=pdf(), upload_kind="call_recording_summary")
    item = items_by_label(deal, "需求确认")["电话沟通并上传纪要"]
    assert item.met and "电话 张伟" in item.evidence[0]["text"] and "再次确认" in item.evidence[0]["text"]


def test_a_call_summary_attached_to_an_activity_of_the_deal_satisfies_the_attachment_gate(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    opportunity_activity_record(opportunity=deal, actor=actors.rep, kind="call", summary="需求沟通",
                                upload=pdf("录音纪要.pdf"), upload_kind="call_recording_summary")
    item = items_by_label(deal, "方案提交")["上传通话录音纪要"]
    assert item.met and "录音纪要.pdf" in item.evidence[0]["text"]


def test_a_custom_field_gate_checks_that_key_and_shows_its_value(actors):
    CustomField.objects.create(entity="opportunity", key="budget_source", label="预算来源", field_type="text")
    StageGate.objects.create(stage=stage("线索"), kind="custom_field", custom_field_key="budget_source",
                             label="确认预算来源", sequence=1)
    deal = make_opportunity(actors.rep, stage="线索")
    item = items_by_label(deal, "接触")["确认预算来源"]
    assert not item.met and item.missing_sentence == "缺少：预算来源（需填写）"
    Opportunity.objects.filter(pk=deal.pk).update(custom={"budget_source": "年度技改专项"})
    item = items_by_label(deal, "接触")["确认预算来源"]
    assert item.met and item.evidence[0]["text"] == "预算来源：年度技改专项"


def test_custom_fields_required_from_the_target_stage_are_on_the_checklist(actors):
    CustomField.objects.create(entity="opportunity", key="decision_date", label="决策时间", field_type="date",
                               required_from_stage=stage("方案提交"))
    deal = satisfy_gates(make_opportunity(actors.rep, stage="需求确认"))
    items = items_by_label(deal, "方案提交")
    assert not items["填写“决策时间”"].met and items["填写“决策时间”"].missing_sentence == "缺少：决策时间（需填写）"
    with pytest.raises(GateNotMet, match="决策时间"):
        gate_check(opportunity=deal, to_stage=stage("方案提交"))
    Opportunity.objects.filter(pk=deal.pk).update(custom={"decision_date": "2027-03-01"})
    assert all(item.met for item in items_by_label(deal, "方案提交").values())


def test_an_inactive_gate_or_one_of_another_pipeline_is_not_checked(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    StageGate.objects.filter(stage=stage("需求确认"), kind="form").update(is_active=False)
    StageGate.objects.filter(stage=stage("需求确认"), kind="attachment").update(
        pipeline=deal.pipeline.__class__.objects.get(name="大客户流程"))
    assert items_by_label(deal, "方案提交") == {}


def test_a_frozen_deal_cannot_move_and_is_told_why(actors):
    deal = make_opportunity(actors.rep, stage="线索")
    freeze_set(entity="opportunity", entity_id=deal.pk, action="move", reason="合同审批中，暂停推进")
    with pytest.raises(OpportunityFrozen) as frozen:
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("接触"))
    assert "合同审批中，暂停推进" in frozen.value.messages[0] and "冻结" in frozen.value.messages[0]
    with pytest.raises(OpportunityFrozen):
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("输单"),
                         lost_reason=LostReason.objects.first())
    assert moves_written(deal) == 1
    freeze_release(entity="opportunity", entity_id=deal.pk, action="move")
    assert opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("接触")).stage.name == "接触"
