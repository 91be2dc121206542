"""Writes of the pipeline configuration (P2/P3, DESIGN rule 7): stages, pipelines and their stage order,
stage gates, deliverable kinds and questionnaires. Each change is audited and takes effect at once
(nothing is cached)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from shangji.core.services import audit_record
from shangji.core.text import clean_text
from shangji.customers.choices import InteractionKind, Scale
from shangji.pipeline.choices import GateField, GateKind, QuestionType
from shangji.pipeline.models import (
    DeliverableKind,
    FormTemplate,
    Opportunity,
    Pipeline,
    PipelineStage,
    Stage,
    StageGate,
)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _require_name(value: str, label: str, max_length: int) -> str:
    value = clean_text(value or "")
    if not value:
        raise ValidationError({"name": [_("请填写%(label)s。") % {"label": label}]})
    if len(value) > max_length:
        raise ValidationError({"name": [_("%(label)s不能超过 %(max)s 个字。") % {"label": label, "max": max_length}]})
    return value


def _unique(model: type[Model], instance: Model | None, field: str, value, message: str) -> None:
    clash = model.objects.filter(**{field: value})
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({field: [message]})


def _code(value: str) -> str:
    value = (value or "").strip().lower()
    if not CODE_PATTERN.match(value):
        raise ValidationError({"code": [_("代码须以小写英文字母开头，只含小写字母、数字和下划线，2–40 个字符。")]})
    return value


def _save(instance: Model, values: dict, *, entity: str, actor) -> Model:
    """Apply the values, save and audit the changed fields (O3) — the same for every configuration row."""
    created = instance.pk is None
    changes = {field: (None if created else getattr(instance, field), value) for field, value in values.items()
               if created or getattr(instance, field) != value}
    for field, value in values.items():
        setattr(instance, field, value)
    instance.save()
    if changes:
        audit_record(entity=entity, entity_id=instance.pk, action="created" if created else "updated", actor=actor,
                     changes={field: (_shown(old), _shown(new)) for field, (old, new) in changes.items()})
    return instance


def _shown(value):
    return getattr(value, "name", value) if isinstance(value, Model) else value


@transaction.atomic
def stage_save(*, actor, stage: Stage | None, name: str, name_en: str = "", sequence: int, probability: int,
               is_active: bool, is_won: bool = False, is_lost: bool = False) -> Stage:
    """Create or edit a stage. Won/lost are chosen when the stage is created and never change after."""
    stage = stage or Stage(is_won=is_won, is_lost=is_lost)
    if stage.pk is None and is_won and is_lost:
        raise ValidationError({"is_won": [_("一个阶段不能既是赢单又是输单。")]})
    name = _require_name(name, _("阶段名称"), 30)
    _unique(Stage, stage, "name", name, _("已有同名阶段。"))
    if not 0 <= int(probability) <= 100:
        raise ValidationError({"probability": [_("赢率须在 0 到 100 之间。")]})
    if int(sequence) < 0:
        raise ValidationError({"sequence": [_("顺序不能为负数。")]})
    if stage.pk and not is_active and stage.is_active and Opportunity.objects.filter(
            stage=stage, closed_at__isnull=True).exists():
        raise ValidationError({"is_active": [_("还有进行中的商机处于该阶段，请先把它们移走再停用。")]})
    return _save(stage, {"name": name, "name_en": clean_text(name_en)[:40], "sequence": int(sequence),
                         "probability": int(probability), "is_active": bool(is_active)}, entity="stage", actor=actor)


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    sequence: int


@transaction.atomic
def pipeline_save(*, actor, pipeline: Pipeline | None, name: str, customer_scales: list[str],
                  max_amount: Decimal | None, priority: int, is_default: bool, is_active: bool,
                  stages: list[StageRow]) -> Pipeline:
    """P3: create or edit a pipeline and its stage order. One pipeline is the default; a stage that deals
    of this pipeline sit in cannot be removed from it."""
    pipeline = pipeline or Pipeline()
    name = _require_name(name, _("流程名称"), 40)
    _unique(Pipeline, pipeline, "name", name, _("已有同名销售流程。"))
    unknown = [scale for scale in customer_scales if scale not in Scale.values]
    if unknown:
        raise ValidationError({"customer_scales": [_("未知的客户规模：%(scales)s。") % {"scales": "、".join(unknown)}]})
    if max_amount is not None and max_amount < 0:
        raise ValidationError({"max_amount": [_("金额上限不能为负数。")]})
    if is_default and not is_active:
        raise ValidationError({"is_active": [_("默认流程必须启用。")]})
    if pipeline.pk and pipeline.is_default and not is_default:
        raise ValidationError({"is_default": [_("请把另一个流程设为默认，而不是取消默认。")]})
    stage_ids = [row.stage.pk for row in stages]
    if len(set(stage_ids)) != len(stage_ids):
        raise ValidationError({"stages": [_("同一阶段不能在流程中出现两次。")]})
    if not any(not row.stage.is_closed for row in stages) or not any(row.stage.is_won for row in stages):
        raise ValidationError({"stages": [_("流程至少需要一个进行中的阶段和一个赢单阶段。")]})
    if pipeline.pk:
        occupied = (Opportunity.objects.filter(pipeline=pipeline).exclude(stage_id__in=stage_ids)
                    .values_list("stage__name", flat=True).distinct()[:3])
        if occupied:
            raise ValidationError({"stages": [_("还有该流程的商机处于“%(stages)s”，不能从流程中移除。") % {
                "stages": "、".join(occupied)}]})
    if is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    pipeline = _save(pipeline, {"name": name, "customer_scales": sorted(set(customer_scales)),
                                "max_amount": max_amount, "priority": int(priority), "is_default": bool(is_default),
                                "is_active": bool(is_active)}, entity="pipeline", actor=actor)
    before = list(PipelineStage.objects.filter(pipeline=pipeline).order_by("sequence", "id")
                  .values_list("stage__name", flat=True))
    PipelineStage.objects.filter(pipeline=pipeline).exclude(stage_id__in=stage_ids).delete()
    for row in stages:
        PipelineStage.objects.update_or_create(pipeline=pipeline, stage=row.stage,
                                               defaults={"sequence": int(row.sequence)})
    after = [row.stage.name for row in sorted(stages, key=lambda row: (row.sequence, row.stage.sequence))]
    if before != after:
        audit_record(entity="pipeline", entity_id=pipeline.pk, action="updated", actor=actor,
                     changes={"stages": (" → ".join(before), " → ".join(after))})
    return pipeline


@transaction.atomic
def gate_save(*, actor, gate: StageGate | None, stage: Stage, kind: str, label: str = "",
              pipeline: Pipeline | None = None, field_name: str = "", custom_field_key: str = "",
              deliverable_kind: DeliverableKind | None = None, form_template: FormTemplate | None = None,
              interaction_kind: str = "", sequence: int = 0, is_active: bool = True) -> StageGate:
    """P2: an item of a stage's exit checklist. Only the parameter of its kind is kept."""
    if kind not in GateKind.values:
        raise ValidationError({"kind": [_("请选择检查类型。")]})
    values = {"field_name": "", "custom_field_key": "", "deliverable_kind": None, "form_template": None,
              "interaction_kind": ""}
    if kind == GateKind.FIELD:
        if field_name not in GateField.values:
            raise ValidationError({"field_name": [_("请选择要检查的商机字段。")]})
        values["field_name"] = field_name
        default_label = _("填写%(field)s") % {"field": GateField(field_name).label}
    elif kind == GateKind.CUSTOM_FIELD:
        values["custom_field_key"] = (custom_field_key or "").strip()
        default_label = _("填写必填的自定义字段")
    elif kind == GateKind.ATTACHMENT:
        if deliverable_kind is None:
            raise ValidationError({"deliverable_kind": [_("请选择需要上传的交付物类型。")]})
        values["deliverable_kind"] = deliverable_kind
        default_label = _("上传%(kind)s") % {"kind": deliverable_kind.name}
    elif kind == GateKind.FORM:
        if form_template is None:
            raise ValidationError({"form_template": [_("请选择需要填写的表单。")]})
        values["form_template"] = form_template
        default_label = _("填写%(form)s") % {"form": form_template.title}
    else:
        if interaction_kind not in InteractionKind.values:
            raise ValidationError({"interaction_kind": [_("请选择需要记录的跟进方式。")]})
        values["interaction_kind"] = interaction_kind
        values["deliverable_kind"] = deliverable_kind  # optional: the activity must carry such a file
        default_label = _("记录%(kind)s") % {"kind": InteractionKind(interaction_kind).label}
    label = clean_text(label or "")[:80] or default_label
    values |= {"stage": stage, "pipeline": pipeline, "kind": kind, "label": label, "sequence": int(sequence),
               "is_active": bool(is_active)}
    return _save(gate or StageGate(), values, entity="stage_gate", actor=actor)


@transaction.atomic
def gate_set_active(*, actor, gate: StageGate, is_active: bool) -> StageGate:
    return _save(gate, {"is_active": bool(is_active)}, entity="stage_gate", actor=actor)


@transaction.atomic
def deliverable_kind_save(*, actor, kind: DeliverableKind | None, name: str, code: str,
                          is_active: bool) -> DeliverableKind:
    kind = kind or DeliverableKind()
    name = _require_name(name, _("交付物名称"), 40)
    _unique(DeliverableKind, kind, "name", name, _("已有同名交付物类型。"))
    code = _code(code)
    if kind.pk and code != kind.code:
        raise ValidationError({"code": [_("代码创建后不能修改（已上传的附件用它标记类型）。")]})
    _unique(DeliverableKind, kind, "code", code, _("代码已被使用。"))
    return _save(kind, {"name": name, "code": code, "is_active": bool(is_active)}, entity="deliverable_kind",
                 actor=actor)


def questions_clean(rows: list[dict], existing: list[dict]) -> list[dict]:
    """Question rows from the editor → stored questions. Rows without a label are dropped; keys of existing
    questions are kept so earlier answers keep their meaning, new ones get the next free key."""
    known = {question["key"] for question in existing}
    used = {int(key[1:]) for key in known if key[1:].isdigit()}
    questions, errors = [], []
    for number, row in enumerate(rows, start=1):
        label = clean_text(row.get("label", ""))[:60]
        if not label:
            continue
        kind = row.get("type") or QuestionType.TEXT
        if kind not in QuestionType.values:
            errors.append(_("第 %(row)s 行：未知的题型。") % {"row": number})
            continue
        choices = row.get("choices") or []
        if isinstance(choices, str):
            choices = re.split(r"[,，、\n]", choices)
        choices = list(dict.fromkeys(clean_text(choice)[:40] for choice in choices if clean_text(choice)))
        if kind == QuestionType.CHOICE and len(choices) < 2:
            errors.append(_("第 %(row)s 行：单选题至少需要两个选项。") % {"row": number})
            continue
        key = row.get("key") if row.get("key") in known else None
        if key is None:
            next_number = max(used, default=0) + 1
            used.add(next_number)
            key = f"q{next_number}"
        questions.append({"key": key, "label": label, "type": kind, "required": bool(row.get("required")),
                          "choices": choices if kind == QuestionType.CHOICE else []})
    if errors:
        raise ValidationError({"questions": errors})
    if not questions:
        raise ValidationError({"questions": [_("表单至少需要一个问题。")]})
    return questions


@transaction.atomic
def form_template_save(*, actor, template: FormTemplate | None, name: str, code: str, questions: list[dict],
                       is_active: bool) -> FormTemplate:
    """P2 questionnaire, edited as rows (label, type, required, choices)."""
    template = template or FormTemplate()
    name = _require_name(name, _("表单名称"), 60)
    _unique(FormTemplate, template, "name", name, _("已有同名表单。"))
    code = _code(code)
    if template.pk and code != template.code:
        raise ValidationError({"code": [_("代码创建后不能修改。")]})
    _unique(FormTemplate, template, "code", code, _("代码已被使用。"))
    cleaned = questions_clean(questions, template.questions or [])
    return _save(template, {"name": name, "code": code, "questions": cleaned, "is_active": bool(is_active)},
                 entity="form_template", actor=actor)
