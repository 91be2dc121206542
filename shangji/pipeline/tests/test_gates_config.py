"""/settings/pipelines/: only sales ops and admins configure; every change is audited and takes effect at once."""

import pytest
from django.test import Client

from shangji.conftest import make_opportunity, signed_in, stage
from shangji.core.models import AuditEntry
from shangji.pipeline.gates import GateNotMet
from shangji.pipeline.models import DeliverableKind, FormTemplate, Pipeline, PipelineStage, Stage, StageGate
from shangji.pipeline.services import opportunity_move

pytestmark = pytest.mark.django_db
PAGES = ["/settings/pipelines/", "/settings/pipelines/stages/new/", "/settings/pipelines/pipelines/new/",
         "/settings/pipelines/gates/new/", "/settings/pipelines/deliverables/new/", "/settings/pipelines/forms/new/"]


def config_rows():
    return (list(Stage.objects.values_list("pk", "name", "is_active", "sequence")),
            list(Pipeline.objects.values_list("pk", "name", "is_default", "priority")),
            list(PipelineStage.objects.values_list("pipeline_id", "stage_id", "sequence")),
            list(StageGate.objects.values_list("pk", "label", "is_active")),
            list(DeliverableKind.objects.values_list("pk", "code")), list(FormTemplate.objects.values_list("pk")),
            AuditEntry.objects.count())


@pytest.mark.parametrize("name", ["sales_ops", "admin"])
def test_sales_ops_and_admins_open_every_configuration_page(actors, name):
    client = signed_in(getattr(actors, name))
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    gate = StageGate.objects.first()
    assert client.get(f"/settings/pipelines/gates/{gate.pk}/").status_code == 200
    index = client.get("/settings/pipelines/").content.decode()
    assert "上传通话录音纪要" in index and "大客户流程" in index and "线索 → 接触 → 方案提交 → 成交 → 输单" in index


@pytest.mark.parametrize("name", ["rep", "team_lead", "regional_manager", "director", "presales", "finance"])
def test_everyone_else_gets_403_and_their_posts_change_nothing(actors, name):
    client = signed_in(getattr(actors, name))
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    gate = StageGate.objects.first()
    before = config_rows()
    assert client.post(f"/settings/pipelines/gates/{gate.pk}/toggle/").status_code == 403
    assert client.post("/settings/pipelines/stages/new/", {"name": "黑客阶段", "sequence": 1, "probability": 1,
                                                           "outcome": "open"}).status_code == 403
    assert config_rows() == before


def test_anonymous_visitors_are_sent_to_log_in(actors):
    assert Client().get("/settings/pipelines/").status_code == 302


def test_disabling_a_gate_takes_effect_at_once_and_is_audited(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    client = signed_in(actors.sales_ops)
    for gate in StageGate.objects.filter(stage=stage("需求确认")):
        assert client.post(f"/settings/pipelines/gates/{gate.pk}/toggle/").status_code == 302
    assert not StageGate.objects.filter(stage=stage("需求确认"), is_active=True).exists()
    assert opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交")).stage.name == "方案提交"
    entry = AuditEntry.objects.filter(entity="stage_gate", field="is_active").first()
    assert (entry.old_value, entry.new_value, entry.actor) == ("True", "False", actors.sales_ops)
    assert "阶段检查项：启用 True → False" in client.get("/settings/pipelines/").content.decode()


def test_a_gate_added_on_the_page_blocks_the_next_move(actors):
    deal = make_opportunity(actors.rep, stage="线索")
    quotation = DeliverableKind.objects.get(code="quotation")
    response = signed_in(actors.sales_ops).post("/settings/pipelines/gates/new/", {
        "stage": stage("线索").pk, "pipeline": "", "kind": "attachment", "deliverable_kind": quotation.pk,
        "label": "", "sequence": 5, "is_active": "on"})
    assert response.status_code == 302
    gate = StageGate.objects.get(stage=stage("线索"))
    assert gate.label == "上传报价单" and gate.pipeline is None
    with pytest.raises(GateNotMet, match="缺少：报价单（需上传）"):
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("接触"))
    assert AuditEntry.objects.filter(entity="stage_gate", entity_id=gate.pk, action="created").exists()


@pytest.mark.parametrize("payload, message", [
    ({"kind": "attachment"}, "请选择需要上传的交付物类型。"),
    ({"kind": "form"}, "请选择需要填写的表单。"),
    ({"kind": "field"}, "请选择要检查的商机字段。"),
    ({"kind": "activity"}, "请选择需要记录的跟进方式。"),
])
def test_a_gate_without_its_parameter_is_refused_in_chinese(actors, payload, message):
    before = config_rows()
    page = signed_in(actors.sales_ops).post("/settings/pipelines/gates/new/", {
        "stage": stage("线索").pk, "sequence": 1, **payload}).content.decode()
    assert message in page and config_rows() == before


def test_a_pipeline_is_edited_with_its_stage_list_in_order(actors):
    fast = Pipeline.objects.get(name="小额快速")
    client = signed_in(actors.sales_ops)
    ids = {s.name: s.pk for s in Stage.objects.all()}
    form = {"name": "小额快速", "customer_scales": ["micro", "small"], "max_amount": "30000", "priority": 10,
            "is_active": "on", f"stage-{ids['线索']}": "on", f"sequence-{ids['线索']}": "10",
            f"stage-{ids['方案提交']}": "on", f"sequence-{ids['方案提交']}": "20",
            f"stage-{ids['接触']}": "on", f"sequence-{ids['接触']}": "15",
            f"stage-{ids['成交']}": "on", f"sequence-{ids['成交']}": "30",
            f"stage-{ids['输单']}": "on", f"sequence-{ids['输单']}": "40"}
    assert client.post(f"/settings/pipelines/pipelines/{fast.pk}/", form).status_code == 302
    fast.refresh_from_db()
    from shangji.pipeline.pipelines import pipeline_stages

    assert [s.name for s in pipeline_stages(fast)] == ["线索", "接触", "方案提交", "成交", "输单"]
    assert fast.customer_scales == ["micro", "small"] and str(fast.max_amount) == "30000.00"
    assert AuditEntry.objects.filter(entity="pipeline", entity_id=fast.pk, field="max_amount").exists()


def test_a_stage_with_deals_cannot_be_removed_from_their_pipeline(actors):
    make_opportunity(actors.rep, amount="8000", stage="接触")
    fast = Pipeline.objects.get(name="小额快速")
    ids = {s.name: s.pk for s in Stage.objects.all()}
    form = {"name": "小额快速", "max_amount": "20000", "priority": 10, "is_active": "on"}
    for name, sequence in [("线索", 10), ("方案提交", 30), ("成交", 40), ("输单", 50)]:
        form |= {f"stage-{ids[name]}": "on", f"sequence-{ids[name]}": str(sequence)}
    before = config_rows()
    page = signed_in(actors.sales_ops).post(f"/settings/pipelines/pipelines/{fast.pk}/", form).content.decode()
    assert "还有该流程的商机处于“接触”" in page and config_rows() == before


def test_making_another_pipeline_the_default_moves_the_flag(actors):
    large = Pipeline.objects.get(name="大客户流程")
    form = {"name": large.name, "customer_scales": ["large"], "priority": 20, "is_default": "on", "is_active": "on"}
    for row in large.stage_rows.all():
        form |= {f"stage-{row.stage_id}": "on", f"sequence-{row.stage_id}": str(row.sequence)}
    assert signed_in(actors.admin).post(f"/settings/pipelines/pipelines/{large.pk}/", form).status_code == 302
    assert list(Pipeline.objects.filter(is_default=True).values_list("name", flat=True)) == ["大客户流程"]


def test_a_new_stage_and_a_deliverable_kind_are_created_from_the_pages(actors):
    client = signed_in(actors.sales_ops)
    assert client.post("/settings/pipelines/stages/new/", {"name": "商务审批", "sequence": 55, "probability": 85,
                                                           "outcome": "open", "is_active": "on"}).status_code == 302
    assert Stage.objects.get(name="商务审批").probability == 85
    page = client.post("/settings/pipelines/stages/new/", {"name": "商务审批", "sequence": 56, "probability": 60,
                                                           "outcome": "open"}).content.decode()
    assert "已有同名阶段。" in page and Stage.objects.filter(name="商务审批").count() == 1
    assert client.post("/settings/pipelines/deliverables/new/", {"name": "合同草案", "code": "contract_draft",
                                                                 "is_active": "on"}).status_code == 302
    page = client.post("/settings/pipelines/deliverables/new/", {"name": "合同", "code": "合同"}).content.decode()
    assert "代码须以小写英文字母开头" in page


def test_a_stage_with_open_deals_cannot_be_deactivated(actors):
    make_opportunity(actors.rep, stage="接触")
    contact = stage("接触")
    page = signed_in(actors.sales_ops).post(f"/settings/pipelines/stages/{contact.pk}/", {
        "name": "接触", "sequence": contact.sequence, "probability": contact.probability}).content.decode()
    assert "还有进行中的商机处于该阶段" in page
    assert stage("接触").is_active


def test_form_questions_are_edited_as_rows_and_keep_their_keys(actors):
    client = signed_in(actors.sales_ops)
    rows = {"name": "《现场调研表》", "code": "site_survey", "is_active": "on", "rows": 4,
            "q-0-label": "车间面积（平方米）", "q-0-type": "number", "q-0-order": "2",
            "q-1-label": "是否有 MES", "q-1-type": "choice", "q-1-choices": "有、没有、在建", "q-1-required": "on",
            "q-1-order": "1", "q-2-label": "", "q-3-label": "调研日期", "q-3-type": "date", "q-3-order": "3"}
    assert client.post("/settings/pipelines/forms/new/", rows).status_code == 302
    template = FormTemplate.objects.get(code="site_survey")
    assert [(q["key"], q["label"], q["type"], q["required"]) for q in template.questions] == [
        ("q1", "是否有 MES", "choice", True), ("q2", "车间面积（平方米）", "number", False),
        ("q3", "调研日期", "date", False)]
    assert template.questions[0]["choices"] == ["有", "没有", "在建"]
    edit = {"name": "《现场调研表》", "is_active": "on", "rows": 3,
            "q-0-key": "q2", "q-0-label": "车间面积（㎡）", "q-0-type": "number",
            "q-1-key": "q3", "q-1-label": "调研日期", "q-1-type": "date",
            "q-2-label": "联系人", "q-2-type": "text"}
    assert client.post(f"/settings/pipelines/forms/{template.pk}/", edit).status_code == 302
    template.refresh_from_db()
    assert [(q["key"], q["label"]) for q in template.questions] == [("q2", "车间面积（㎡）"), ("q3", "调研日期"),
                                                                    ("q4", "联系人")]
    refused = client.post(f"/settings/pipelines/forms/{template.pk}/", {
        "name": "《现场调研表》", "rows": 1, "q-0-label": "规模", "q-0-type": "choice", "q-0-choices": "大"})
    assert "单选题至少需要两个选项" in refused.content.decode()
