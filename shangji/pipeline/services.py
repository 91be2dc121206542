"""Writes for the pipeline (P1/P4). Stage moves lock the row and write a StageChange in the same
transaction; a stale `version` from the client is refused instead of silently overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.customfields import custom_values_apply
from shangji.core.registry import setting
from shangji.core.selectors import active_freeze
from shangji.core.services import audit_record, changes_payload, event_emit
from shangji.core.text import clean_text
from shangji.pipeline.gates import gate_check
from shangji.pipeline.models import LostReason, Opportunity, OpportunityLine, Pipeline, Product, Stage, StageChange
from shangji.pipeline.pipelines import classify, in_pipeline, pipeline_for, pipeline_stages
from shangji.pipeline.totals import pipeline_totals_count


class StaleVersion(Exception):
    """The record changed since the client read it (no lost update)."""

    def __init__(self, current: int):
        self.current = current
        super().__init__(_("商机已被他人修改（当前版本 %(version)s），请刷新后重试。") % {"version": current})


@dataclass(frozen=True)
class LineInput:
    product_id: int
    quantity: Decimal
    unit_price: Decimal | None = None


def _amount(raw, field: str = "amount") -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("金额必须是数字。")]}) from None
    if not value.is_finite():
        raise ValidationError({field: [_("金额必须是数字。")]})
    if value < 0:
        raise ValidationError({field: [_("金额不能为负数。")]})
    maximum = setting("pipeline.max_amount")
    if value > maximum:
        raise ValidationError({field: [_("金额超过上限 %(max)s。") % {"max": f"{maximum:,}"}]})
    return value.quantize(Decimal("0.01"))


def _lines(lines: list[LineInput]) -> list[OpportunityLine]:
    products = Product.objects.in_bulk([line.product_id for line in lines])
    built = []
    for index, line in enumerate(lines, start=1):
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            raise ValidationError({"lines": [_("第 %(row)s 行：产品不存在或已停售。") % {"row": index}]})
        quantity = _amount(line.quantity, "lines")
        if quantity <= 0:
            raise ValidationError({"lines": [_("第 %(row)s 行：数量必须大于 0。") % {"row": index}]})
        price = product.list_price if line.unit_price is None else _amount(line.unit_price, "lines")
        built.append(OpportunityLine(product=product, quantity=quantity, unit_price=price))
    return built


def _region_of(customer):
    city = customer.city
    return city.parent if city is not None and city.parent and city.parent.kind == "region" else None


@transaction.atomic
def opportunity_create(*, actor, customer, name: str, amount=None, stage: Stage | None = None, owner=None,
                       expected_close_date: date | None = None, description: str = "", pipeline: Pipeline | None = None,
                       lines: list[LineInput] | None = None, custom: dict | None = None) -> Opportunity:
    name = clean_text(name)
    if not name:
        raise ValidationError({"name": [_("请填写商机名称。")]})
    if customer.is_merged:
        raise ValidationError({"customer": [_("该客户已被合并，请选择保留的客户。")]})
    if stage is not None and not stage.is_active:
        raise ValidationError({"stage": [_("阶段不存在或已停用。")]})
    if stage is not None and stage.is_closed:
        # A won or lost deal needs its history (and a lost reason): create it open, then move it.
        raise ValidationError({"stage": [_("新商机不能直接处于赢单或输单阶段。")]})
    built_lines = _lines(lines or [])
    if built_lines:
        amount = sum((line.subtotal for line in built_lines), Decimal("0"))
    amount = _amount(amount if amount is not None else 0)
    pipeline, stage = _pipeline_and_stage(customer=customer, amount=amount, pipeline=pipeline, stage=stage)
    custom_changes = custom_values_apply(entity="opportunity", current=None, given=custom, stage=stage)
    now = timezone.now()
    opportunity = Opportunity(
        name=name[:120], customer=customer, owner=owner or actor, region=_region_of(customer), stage=stage,
        amount=_amount(amount if amount is not None else 0), expected_close_date=expected_close_date,
        description=clean_text(description)[:5000], stage_entered_at=now, pipeline=pipeline,
        closed_at=now if stage.is_closed else None, created_by=actor, created_at=now, updated_at=now,
        custom=custom_changes.values,
    )
    opportunity.save()
    pipeline_totals_count(opportunity, +1)
    for line in built_lines:
        line.opportunity = opportunity
    OpportunityLine.objects.bulk_create(built_lines)
    StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=stage, changed_at=now,
                               changed_by=actor)
    audit_record(entity="opportunity", entity_id=opportunity.pk, action="created", actor=actor,
                 changes={"owner_id": (None, opportunity.owner_id), "stage": (None, stage.name),
                          "amount": (None, opportunity.amount), "pipeline": (None, pipeline.name)})
    event_emit(name="opportunity.created", entity="opportunity", entity_id=opportunity.pk, actor=actor,
               payload={"stage": stage.pk, "amount": str(opportunity.amount), "pipeline": pipeline.pk})
    return opportunity


def _pipeline_and_stage(*, customer, amount: Decimal, pipeline: Pipeline | None,
                        stage: Stage | None) -> tuple[Pipeline, Stage]:
    """P3: the given pipeline, else the one the segment rules pick; the stage must be in it and defaults
    to its first open stage."""
    if pipeline is None:
        pipeline = pipeline_for(customer=customer, amount=amount, stage=stage)
    elif not pipeline.is_active:
        raise ValidationError({"pipeline": [_("销售流程不存在或已停用。")]})
    if stage is None:
        stage = next((candidate for candidate in pipeline_stages(pipeline) if not candidate.is_closed), None)
        if stage is None:
            raise ValidationError({"stage": [_("销售流程“%(pipeline)s”没有进行中的阶段。") % {
                "pipeline": pipeline.name}]})
    elif not in_pipeline(pipeline, stage):
        raise ValidationError({"stage": [_("阶段“%(stage)s”不在销售流程“%(pipeline)s”中。") % {
            "stage": stage.name, "pipeline": pipeline.name}]})
    return pipeline, stage


def _lock(opportunity: Opportunity, version: int | None) -> Opportunity:
    # No select_related here: with a join, PostgreSQL re-checks the join after waiting for the lock and
    # drops the row when a concurrent move changed stage_id (the waiter would see DoesNotExist).
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if version is not None and int(version) != locked.version:
        raise StaleVersion(locked.version)
    return locked


class OpportunityFrozen(ValidationError):
    """A1: the deal's stage moves are frozen (by a rule or a person) until released."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(_("该商机已被冻结，暂不能变更阶段：%(reason)s") % {"reason": reason}, code="frozen")


@transaction.atomic
def opportunity_move(*, opportunity: Opportunity, actor, to_stage: Stage, version: int | None = None,
                     lost_reason: LostReason | None = None, lost_note: str = "", note: str = "") -> Opportunity:
    """P4: move to another stage and record the transition.

    Refused when the deal is frozen (OpportunityFrozen), when the stage is not in the deal's pipeline, and
    for forward moves whose exit checklist has unmet items (P2, `gates.GateNotMet`)."""
    opportunity = _lock(opportunity, version)
    from_stage = opportunity.stage
    if to_stage.pk == from_stage.pk:
        return opportunity
    if not to_stage.is_active:
        raise ValidationError({"stage": [_("阶段“%(stage)s”已停用。") % {"stage": to_stage.name}]})
    freeze = active_freeze(entity="opportunity", entity_id=opportunity.pk, action="move")
    if freeze is not None:
        raise OpportunityFrozen(freeze.reason)
    order = pipeline_stages(opportunity.pipeline)
    if not to_stage.is_lost and not any(stage.pk == to_stage.pk for stage in order):
        raise ValidationError({"stage": [_("阶段“%(stage)s”不在该商机的销售流程“%(pipeline)s”中。") % {
            "stage": to_stage.name, "pipeline": opportunity.pipeline.name}]})
    if to_stage.is_lost and lost_reason is None:
        raise ValidationError({"lost_reason": [_("转为输单时请选择输单原因。")]})
    gate_check(opportunity=opportunity, to_stage=to_stage)
    now = timezone.now()
    is_regression, is_skip = classify(order, from_stage, to_stage)
    StageChange.objects.create(
        opportunity=opportunity, from_stage=from_stage, to_stage=to_stage, changed_at=now, changed_by=actor,
        seconds_in_from_stage=int((now - opportunity.stage_entered_at).total_seconds()),
        is_regression=is_regression, is_skip=is_skip, note=clean_text(note)[:500],
    )
    pipeline_totals_count(opportunity, -1)
    opportunity.stage = to_stage
    opportunity.stage_entered_at = now
    opportunity.closed_at = now if to_stage.is_closed else None
    opportunity.lost_reason = lost_reason if to_stage.is_lost else None
    opportunity.lost_note = clean_text(lost_note)[:500] if to_stage.is_lost else ""
    opportunity.updated_at = now
    opportunity.version += 1
    opportunity.save(update_fields=["stage", "stage_entered_at", "closed_at", "lost_reason", "lost_note",
                                    "updated_at", "version"])
    pipeline_totals_count(opportunity, +1)
    audit_record(entity="opportunity", entity_id=opportunity.pk, action="stage_changed", actor=actor,
                 changes={"stage": (from_stage.name, to_stage.name)},
                 note=lost_reason.name if lost_reason else "")
    event_emit(name="opportunity.stage_changed", entity="opportunity", entity_id=opportunity.pk, actor=actor,
               payload={"from": from_stage.pk, "to": to_stage.pk, "regression": is_regression, "skip": is_skip})
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, actor, version: int | None = None, name: str | None = None,
                       amount=None, expected_close_date: date | None | str = "unchanged", owner=None,
                       description: str | None = None, lines: list[LineInput] | None = None,
                       custom: dict | None = None, pipeline: Pipeline | None = None) -> Opportunity:
    """Edit fields other than the stage. Ownership and amount changes are audited (O3).

    `custom` is a partial update (given keys replace, others are kept). A2: the deal must then hold every required
    custom field, including those required from its current stage or an earlier one."""
    opportunity = _lock(opportunity, version)
    freeze = active_freeze(entity="opportunity", entity_id=opportunity.pk, action="edit")
    if freeze is not None:
        raise ValidationError(_("该商机已被冻结，暂不能编辑：%(reason)s") % {"reason": freeze.reason}, code="frozen")
    custom_changes = custom_values_apply(entity="opportunity", current=opportunity.custom, given=custom,
                                         stage=opportunity.stage)
    changes: dict = {}
    if name is not None:
        name = clean_text(name)
        if not name:
            raise ValidationError({"name": [_("请填写商机名称。")]})
        changes["name"] = (opportunity.name, name[:120])
    if lines is not None:
        built = _lines(lines)
        opportunity.lines.all().delete()
        for line in built:
            line.opportunity = opportunity
        OpportunityLine.objects.bulk_create(built)
        if built:
            amount = sum((line.subtotal for line in built), Decimal("0"))
    if amount is not None:
        changes["amount"] = (opportunity.amount, _amount(amount))
    if expected_close_date != "unchanged":
        changes["expected_close_date"] = (opportunity.expected_close_date, expected_close_date)
    if owner is not None:
        changes["owner_id"] = (opportunity.owner_id, owner.pk)
    if description is not None:
        changes["description"] = (opportunity.description, clean_text(description)[:5000])
    if pipeline is not None and pipeline.pk != opportunity.pipeline_id:
        changes["pipeline"] = (opportunity.pipeline, _pipeline_change(opportunity, pipeline))
    changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    if custom_changes.changed:
        changes["custom"] = (opportunity.custom, custom_changes.values)
    if not changes and lines is None:
        return opportunity
    counted = "amount" in changes or "owner_id" in changes or "pipeline" in changes
    if counted:
        pipeline_totals_count(opportunity, -1)
    for field, (_old, new) in changes.items():
        setattr(opportunity, field, new)
    opportunity.updated_at = timezone.now()
    opportunity.version += 1
    opportunity.save(update_fields=[*changes, "updated_at", "version"])
    if counted:
        pipeline_totals_count(opportunity, +1)
    audited = {k: v for k, v in changes.items() if k in ("amount", "owner_id", "expected_close_date", "name")}
    if "pipeline" in changes:
        audited["pipeline"] = tuple(pipeline.name for pipeline in changes["pipeline"])
    audited |= custom_changes.audit_changes()
    if audited:
        audit_record(entity="opportunity", entity_id=opportunity.pk, action="updated", actor=actor, changes=audited)
    changes.pop("custom", None)
    event_emit(name="opportunity.updated", entity="opportunity", entity_id=opportunity.pk, actor=actor,
               payload=changes_payload(changes | custom_changes.payload_changes()))
    return opportunity


def _pipeline_change(opportunity: Opportunity, pipeline: Pipeline) -> Pipeline:
    """P3: a deal may change pipeline when its current stage exists in the new one."""
    if not pipeline.is_active:
        raise ValidationError({"pipeline": [_("销售流程不存在或已停用。")]})
    if not in_pipeline(pipeline, opportunity.stage):
        raise ValidationError({"pipeline": [_("当前阶段“%(stage)s”不在销售流程“%(pipeline)s”中，请先把商机移到两个流程"
                                              "都有的阶段。") % {"stage": opportunity.stage.name,
                                                              "pipeline": pipeline.name}]})
    return pipeline
