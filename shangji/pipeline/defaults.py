"""P1 default stages and lost reasons, P2/P3 default pipelines, gates and deliverables — installed by
data migrations, editable afterwards."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

STAGES = [
    # name, English name, sequence, default probability %, is_won, is_lost
    ("线索", "Lead", 10, 5, False, False),
    ("接触", "Contact", 20, 10, False, False),
    ("需求确认", "Needs confirmed", 30, 25, False, False),
    ("方案提交", "Proposal", 40, 50, False, False),
    ("谈判", "Negotiation", 50, 75, False, False),
    ("成交", "Won", 60, 100, True, False),
    ("输单", "Lost", 70, 0, False, True),
]
LOST_REASONS = ["价格太高", "选择了竞品", "预算取消", "需求变化", "决策人变更", "无法满足技术要求", "失去联系", "其他"]

# P3: the large-customer sub-process stage, between 需求确认 and 方案提交.
TECHNICAL_ALIGNMENT = ("技术对接", "Technical alignment", 35, 35, False, False)
STANDARD, LARGE, FAST = "标准流程", "大客户流程", "小额快速"
PIPELINES = [
    # name, customer scales, "fast" (amount cap from the setting), priority, is_default, stage names
    (FAST, [], True, 10, False, ["线索", "接触", "方案提交", "成交", "输单"]),
    (LARGE, ["large"], False, 20, False, ["线索", "接触", "需求确认", "技术对接", "方案提交", "谈判", "成交", "输单"]),
    (STANDARD, [], False, 100, True, ["线索", "接触", "需求确认", "方案提交", "谈判", "成交", "输单"]),
]
DELIVERABLE_KINDS = [("通话录音纪要", "call_recording_summary"), ("技术方案", "solution_doc"), ("报价单", "quotation")]
NEEDS_FORM = "customer_needs"
FORM_TEMPLATES = [
    ("《客户需求清单》", NEEDS_FORM, [
        {"key": "q1", "label": "客户业务痛点", "type": "text", "required": True, "choices": []},
        {"key": "q2", "label": "预算范围（万元）", "type": "number", "required": False, "choices": []},
        {"key": "q3", "label": "决策人是否已确认", "type": "choice", "required": True, "choices": ["是", "否"]},
        {"key": "q4", "label": "期望上线日期", "type": "date", "required": False, "choices": []},
    ]),
]
GATES = [
    # stage, kind, parameter, label, sequence — P2: 需求确认 needs the needs list and a call-recording summary
    ("需求确认", "form", NEEDS_FORM, "填写《客户需求清单》", 10),
    ("需求确认", "attachment", "call_recording_summary", "上传通话录音纪要", 20),
    ("技术对接", "attachment", "solution_doc", "上传技术方案", 10),
    ("方案提交", "field", "expected_close_date", "填写预计成交日期", 10),
]


def install_defaults(stage_model, lost_reason_model) -> None:
    """Create missing defaults; takes the models so migrations can pass their historical versions."""
    for name, name_en, sequence, probability, is_won, is_lost in STAGES:
        stage_model.objects.get_or_create(name=name, defaults={
            "name_en": name_en, "sequence": sequence, "probability": probability, "is_won": is_won,
            "is_lost": is_lost})
    for name in LOST_REASONS:
        lost_reason_model.objects.get_or_create(name=name)


def install_pipeline_defaults(get_model: Callable[[str, str], type], *, fast_deal_max_amount: Decimal) -> None:
    """Create the default pipelines, deliverable kinds, form templates and gates where missing.

    `get_model(app_label, model_name)` is `apps.get_model` (historical models in migrations).
    Pipelines and gates are only created when none exist, so an edited configuration is never overwritten.
    """
    stage_model = get_model("pipeline", "Stage")
    name, name_en, sequence, probability, is_won, is_lost = TECHNICAL_ALIGNMENT
    stage_model.objects.get_or_create(name=name, defaults={
        "name_en": name_en, "sequence": sequence, "probability": probability, "is_won": is_won, "is_lost": is_lost})
    stages = {stage.name: stage for stage in stage_model.objects.all()}
    kind_model, template_model = get_model("pipeline", "DeliverableKind"), get_model("pipeline", "FormTemplate")
    kinds = {code: kind_model.objects.get_or_create(code=code, defaults={"name": name})[0]
             for name, code in DELIVERABLE_KINDS}
    templates = {code: template_model.objects.get_or_create(code=code, defaults={"name": name,
                                                                                 "questions": questions})[0]
                 for name, code, questions in FORM_TEMPLATES}
    pipeline_model, row_model = get_model("pipeline", "Pipeline"), get_model("pipeline", "PipelineStage")
    if not pipeline_model.objects.exists():
        for name, scales, fast, priority, is_default, stage_names in PIPELINES:
            pipeline = pipeline_model.objects.create(
                name=name, customer_scales=scales, max_amount=fast_deal_max_amount if fast else None,
                priority=priority, is_default=is_default, is_active=True)
            row_model.objects.bulk_create(row_model(pipeline=pipeline, stage=stages[stage_name], sequence=10 * n)
                                          for n, stage_name in enumerate(stage_names, start=1) if stage_name in stages)
    gate_model = get_model("pipeline", "StageGate")
    if not gate_model.objects.exists():
        for stage_name, kind, parameter, label, sequence in GATES:
            gate_model.objects.create(
                stage=stages[stage_name], kind=kind, label=label, sequence=sequence,
                field_name=parameter if kind == "field" else "",
                deliverable_kind=kinds[parameter] if kind == "attachment" else None,
                form_template=templates[parameter] if kind == "form" else None)
