"""What a rule can look at: the fields of each entity (built-in, related, computed and custom), typed.

A field is addressed by a key ("amount", "customer.industry", "custom.budget_source"). Conditions, the
rule builder and message templates all read this one catalog, so a custom field added in the UI is
usable in rules at once, and a deleted one is reported as missing rather than crashing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.automation.choices import Entity


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str  # text | number | money | date | datetime | choice | multi | bool | user
    get: Callable[[Any], Any]
    options: Callable[[], list[tuple[Any, str]]] | None = None
    previous_key: str | None = None  # the key under which update events carry the old value
    settable: bool = False  # an action may set it (through the entity's service)


class MissingField(LookupError):
    """A rule refers to a field that no longer exists (e.g. a deactivated custom field)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _days_since(moment) -> int | None:
    return None if moment is None else (timezone.now() - moment).days


def _stage_options():
    from shangji.pipeline.models import Stage

    return [(stage.pk, stage.name) for stage in Stage.objects.all()]


def _industry_options():
    from shangji.customers.models import Industry

    return [(industry.pk, industry.name) for industry in Industry.objects.all()]


def _region_options():
    from shangji.org.selectors import regions

    return [(unit.pk, unit.name) for unit in regions()]


def _city_options():
    from shangji.org.selectors import cities

    return [(unit.pk, unit.name) for unit in cities()]


def _choices(choices_class) -> Callable[[], list[tuple[Any, str]]]:
    return lambda: [(value, str(label)) for value, label in choices_class.choices]


def _open_tasks(entity: str) -> Callable[[Any], int]:
    def count(record) -> int:
        from shangji.todos.models import Task

        return Task.objects.filter(entity=entity, entity_id=record.pk, status="open").count()
    return count


def _feedback_since_stage(opportunity) -> int:
    from shangji.customers.choices import InteractionKind
    from shangji.customers.models import Interaction

    return Interaction.objects.filter(customer_id=opportunity.customer_id, kind=InteractionKind.FEEDBACK,
                                      occurred_at__gte=opportunity.stage_entered_at).count()


def _stage_state(opportunity) -> str:
    stage = opportunity.stage
    return "won" if stage.is_won else "lost" if stage.is_lost else "open"


def _opportunity_fields() -> list[FieldSpec]:
    from shangji.customers.choices import Grade, Scale

    state = [("open", _("进行中")), ("won", _("赢单")), ("lost", _("输单"))]
    return [
        FieldSpec("name", _("商机名称"), "text", lambda o: o.name, previous_key="name", settable=True),
        FieldSpec("amount", _("金额"), "money", lambda o: o.amount, previous_key="amount", settable=True),
        FieldSpec("stage", _("阶段"), "choice", lambda o: o.stage_id, _stage_options, previous_key="stage"),
        FieldSpec("stage_state", _("阶段状态"), "choice", _stage_state, lambda: [(v, str(t)) for v, t in state]),
        FieldSpec("owner", _("负责人"), "user", lambda o: o.owner_id, previous_key="owner_id", settable=True),
        FieldSpec("region", _("大区"), "choice", lambda o: o.region_id, _region_options),
        FieldSpec("expected_close_date", _("预计成交日期"), "date", lambda o: o.expected_close_date,
                  previous_key="expected_close_date", settable=True),
        FieldSpec("description", _("说明"), "text", lambda o: o.description, previous_key="description",
                  settable=True),
        FieldSpec("stage_entered_at", _("进入当前阶段时间"), "datetime", lambda o: o.stage_entered_at),
        FieldSpec("days_in_stage", _("当前阶段停留天数"), "number", lambda o: _days_since(o.stage_entered_at)),
        FieldSpec("days_since_update", _("距上次更新天数"), "number", lambda o: _days_since(o.updated_at)),
        FieldSpec("created_at", _("创建时间"), "datetime", lambda o: o.created_at),
        FieldSpec("open_tasks", _("未完成待办数"), "number", _open_tasks("opportunity")),
        FieldSpec("feedback_since_stage", _("进入本阶段后的客户反馈数"), "number", _feedback_since_stage),
        FieldSpec("customer.industry", _("客户行业"), "choice", lambda o: o.customer.industry_id, _industry_options),
        FieldSpec("customer.scale", _("客户规模"), "choice", lambda o: o.customer.scale, _choices(Scale)),
        FieldSpec("customer.grade", _("客户等级"), "choice", lambda o: o.customer.grade, _choices(Grade)),
        FieldSpec("customer.city", _("客户地市"), "choice", lambda o: o.customer.city_id, _city_options),
    ]


def _customer_fields() -> list[FieldSpec]:
    from shangji.customers.choices import Grade, Scale

    return [
        FieldSpec("name", _("客户名称"), "text", lambda c: c.name, previous_key="name"),
        FieldSpec("grade", _("等级"), "choice", lambda c: c.grade, _choices(Grade), previous_key="grade"),
        FieldSpec("scale", _("规模"), "choice", lambda c: c.scale, _choices(Scale), previous_key="scale"),
        FieldSpec("industry", _("行业"), "choice", lambda c: c.industry_id, _industry_options,
                  previous_key="industry_id"),
        FieldSpec("city", _("地市"), "choice", lambda c: c.city_id, _city_options, previous_key="city_id"),
        FieldSpec("owner", _("负责人"), "user", lambda c: c.owner_id, previous_key="owner_id", settable=True),
        FieldSpec("created_at", _("创建时间"), "datetime", lambda c: c.created_at),
        FieldSpec("days_since_update", _("距上次更新天数"), "number", lambda c: _days_since(c.updated_at)),
        FieldSpec("open_tasks", _("未完成待办数"), "number", _open_tasks("customer")),
    ]


def _contact_fields() -> list[FieldSpec]:
    from shangji.customers.choices import Attitude, DecisionRole

    return [
        FieldSpec("name", _("姓名"), "text", lambda c: c.name, previous_key="name"),
        FieldSpec("title", _("职务"), "text", lambda c: c.title, previous_key="title"),
        FieldSpec("decision_role", _("决策角色"), "choice", lambda c: c.decision_role, _choices(DecisionRole),
                  previous_key="decision_role"),
        FieldSpec("attitude", _("态度"), "choice", lambda c: c.attitude, _choices(Attitude), previous_key="attitude"),
        FieldSpec("owner", _("客户负责人"), "user", lambda c: c.customer.owner_id),
        FieldSpec("created_at", _("创建时间"), "datetime", lambda c: c.created_at),
    ]


def _task_fields() -> list[FieldSpec]:
    status = [("open", _("未完成")), ("done", _("已完成"))]
    return [
        FieldSpec("title", _("标题"), "text", lambda t: t.title, previous_key="title"),
        FieldSpec("status", _("状态"), "choice", lambda t: t.status, lambda: [(v, str(t)) for v, t in status],
                  previous_key="status"),
        FieldSpec("owner", _("负责人"), "user", lambda t: t.assignee_id, previous_key="assignee_id"),
        FieldSpec("due_at", _("截止时间"), "datetime", lambda t: t.due_at, previous_key="due_at"),
        FieldSpec("source", _("来源"), "text", lambda t: t.source),
        FieldSpec("created_at", _("创建时间"), "datetime", lambda t: t.created_at),
    ]


def _lead_fields() -> list[FieldSpec]:
    from shangji.customers.choices import Scale
    from shangji.leads.choices import Budget, Channel, LeadStatus, Source

    def minutes_since(moment) -> int | None:
        return None if moment is None else int((timezone.now() - moment).total_seconds() // 60)

    return [
        FieldSpec("name", _("姓名"), "text", lambda lead: lead.name, previous_key="name"),
        FieldSpec("company", _("公司"), "text", lambda lead: lead.company, previous_key="company"),
        FieldSpec("status", _("状态"), "choice", lambda lead: lead.status, _choices(LeadStatus),
                  previous_key="status"),
        FieldSpec("score", _("评分"), "number", lambda lead: lead.score, previous_key="score"),
        FieldSpec("owner", _("负责人"), "user", lambda lead: lead.owner_id, previous_key="owner"),
        FieldSpec("source", _("来源"), "choice", lambda lead: lead.source, _choices(Source)),
        FieldSpec("channel", _("渠道"), "choice", lambda lead: lead.channel, _choices(Channel)),
        FieldSpec("budget", _("预算"), "choice", lambda lead: lead.budget, _choices(Budget)),
        FieldSpec("industry", _("行业"), "choice", lambda lead: lead.industry_id, _industry_options),
        FieldSpec("scale", _("企业规模"), "choice", lambda lead: lead.scale, _choices(Scale)),
        FieldSpec("region", _("大区"), "choice", lambda lead: lead.region_id, _region_options),
        FieldSpec("city", _("地市"), "choice", lambda lead: lead.city_id, _city_options),
        FieldSpec("first_contact_at", _("首次联系时间"), "datetime", lambda lead: lead.first_contact_at,
                  previous_key="first_contact_at"),
        FieldSpec("minutes_since_assigned", _("分配后经过分钟数"), "number",
                  lambda lead: minutes_since(lead.assigned_at)),
        FieldSpec("silent", _("在静默池"), "bool", lambda lead: lead.silent_since is not None),
        FieldSpec("created_at", _("获取时间"), "datetime", lambda lead: lead.created_at),
    ]


def _signal_options():
    from shangji.visits.models import SignalKind

    return [(kind.code, kind.label) for kind in SignalKind.objects.all()]


def _objection_options():
    from shangji.visits.models import ObjectionType

    return [(objection.pk, objection.name) for objection in ObjectionType.objects.all()]


def _product_options():
    from shangji.pipeline.models import Product

    return [(product.pk, product.name) for product in Product.objects.all()]


def _signals(visit, *, risk: str | None = None) -> list[str]:
    return [signal.kind for signal in visit.signals.all() if risk is None or signal.risk == risk]


def _high_risk_evidence(visit) -> str:
    """What the note said, signal by signal ("缺货：门店缺货两周"), for messages."""
    return "；".join(f"{signal.label}：{signal.snippet}" for signal in visit.signals.all() if signal.risk == "high")


def _days_since_previous_visit(visit) -> int | None:
    """Days between this visit and the one before it to the same customer (anyone's); None for a first visit."""
    from shangji.visits.choices import VisitStatus
    from shangji.visits.models import Visit

    if visit.visited_at is None:
        return None
    earlier = (Visit.objects.filter(customer_id=visit.customer_id, status=VisitStatus.RECORDED,
                                    visited_at__lt=visit.visited_at).exclude(pk=visit.pk)
               .order_by("-visited_at").values_list("visited_at", flat=True).first())
    return None if earlier is None else (visit.visited_at - earlier).days


def _record_delay_hours(visit):
    """V4: hours from the visit to the server receiving its record."""
    if visit.visited_at is None or visit.recorded_at is None:
        return None
    return round((visit.recorded_at - visit.visited_at).total_seconds() / 3600, 1)


def _visit_fields() -> list[FieldSpec]:
    from shangji.customers.choices import Grade
    from shangji.visits.choices import CheckInFlag, VisitStatus

    return [
        FieldSpec("customer.name", _("客户名称"), "text", lambda v: v.customer.name),
        FieldSpec("customer.grade", _("客户等级"), "choice", lambda v: v.customer.grade, _choices(Grade)),
        FieldSpec("customer.industry", _("客户行业"), "choice", lambda v: v.customer.industry_id, _industry_options),
        FieldSpec("customer.city", _("客户地市"), "choice", lambda v: v.customer.city_id, _city_options),
        FieldSpec("owner", _("拜访人"), "user", lambda v: v.owner_id),
        FieldSpec("status", _("拜访状态"), "choice", lambda v: v.status, _choices(VisitStatus), previous_key="status"),
        FieldSpec("visited_at", _("拜访时间"), "datetime", lambda v: v.visited_at, previous_key="visited_at"),
        FieldSpec("record_delay_hours", _("记录延迟（小时）"), "number", _record_delay_hours),
        FieldSpec("checkin_flag", _("签到核验"), "choice", lambda v: v.checkin_flag, _choices(CheckInFlag)),
        FieldSpec("checkin_distance_m", _("签到距客户（米）"), "number", lambda v: v.checkin_distance_m),
        FieldSpec("signals", _("信号"), "multi", _signals, _signal_options, previous_key="signals"),
        FieldSpec("high_risk_signals", _("高风险信号"), "multi", lambda v: _signals(v, risk="high"),
                  _signal_options, previous_key="high_risk_signals"),
        FieldSpec("has_high_risk_signal", _("有高风险信号"), "bool", lambda v: bool(_signals(v, risk="high")),
                  previous_key="has_high_risk_signal"),
        FieldSpec("high_risk_evidence", _("高风险信号原文"), "text", _high_risk_evidence),
        FieldSpec("objection", _("客户异议"), "choice", lambda v: v.objection_id, _objection_options,
                  previous_key="objection_id"),
        FieldSpec("focus_product", _("今日主推产品"), "choice", lambda v: v.focus_product_id, _product_options,
                  previous_key="focus_product_id"),
        FieldSpec("committed_action", _("本次承诺动作"), "text", lambda v: v.committed_action,
                  previous_key="committed_action"),
        FieldSpec("previous_action_done", _("上次承诺已完成"), "bool", lambda v: v.previous_action_done,
                  previous_key="previous_action_done"),
        FieldSpec("next_follow_up_at", _("下次跟进时间"), "datetime", lambda v: v.next_follow_up_at,
                  previous_key="next_follow_up_at"),
        FieldSpec("notes", _("拜访备注"), "text", lambda v: v.notes, previous_key="notes"),
        FieldSpec("points", _("积分"), "number", lambda v: v.points),
        FieldSpec("days_since_previous_visit", _("距上次拜访该客户天数"), "number", _days_since_previous_visit),
    ]


_BUILT_IN = {
    Entity.OPPORTUNITY: _opportunity_fields,
    Entity.CUSTOMER: _customer_fields,
    Entity.CONTACT: _contact_fields,
    Entity.TASK: _task_fields,
    Entity.LEAD: _lead_fields,
    Entity.VISIT: _visit_fields,
}
_CUSTOM_TYPES = {"text": "text", "number": "number", "money": "money", "date": "date", "choice": "choice",
                 "multi_choice": "multi", "user": "user", "boolean": "bool"}


def fields_for(entity: str) -> dict[str, FieldSpec]:
    """Every field of `entity` a rule may use, keyed; custom fields are read fresh (A2: no deploy)."""
    specs = {spec.key: spec for spec in _BUILT_IN[entity]()}
    if entity in (Entity.OPPORTUNITY, Entity.CUSTOMER, Entity.CONTACT, Entity.LEAD):
        from shangji.core.customfields import custom_fields_for, custom_value

        for field in custom_fields_for(entity):
            key = f"custom.{field.key}"
            options = (lambda choices=tuple(field.choices): [(c, c) for c in choices]) if field.choices else None
            specs[key] = FieldSpec(key, field.label, _CUSTOM_TYPES[field.field_type],
                                   lambda record, f=field: custom_value(record, f.key, field=f), options,
                                   previous_key=key, settable=True)
    return specs


def field(entity: str, key: str, catalog: dict[str, FieldSpec] | None = None) -> FieldSpec:
    catalog = catalog if catalog is not None else fields_for(entity)
    try:
        return catalog[key]
    except KeyError:
        raise MissingField(key) from None


def load_record(entity: str, entity_id: int):
    """The record a rule runs on, with what its fields read, or None when it is gone."""
    queryset = _records(entity)
    return None if queryset is None else queryset.filter(pk=entity_id).first()


def load_records(entity: str, entity_ids) -> dict:
    """Several records of one entity by id (those still there), as load_record reads them."""
    queryset = _records(entity)
    return {} if queryset is None else queryset.in_bulk(list(entity_ids))


def _records(entity: str):
    if entity == Entity.OPPORTUNITY:
        from shangji.pipeline.models import Opportunity

        queryset = Opportunity.objects.select_related("stage", "customer", "owner", "owner__org_unit")
    elif entity == Entity.CUSTOMER:
        from shangji.customers.models import Customer

        queryset = Customer.objects.select_related("owner", "owner__org_unit")
    elif entity == Entity.CONTACT:
        from shangji.customers.models import Contact

        queryset = Contact.objects.select_related("customer", "customer__owner", "customer__owner__org_unit")
    elif entity == Entity.TASK:
        from shangji.todos.models import Task

        queryset = Task.objects.select_related("assignee", "assignee__org_unit")
    elif entity == Entity.LEAD:
        from shangji.leads.models import Lead

        queryset = Lead.objects.select_related("owner", "owner__org_unit", "industry", "city", "region", "team")
    elif entity == Entity.VISIT:
        from shangji.visits.models import Visit

        queryset = Visit.objects.select_related("customer", "owner", "owner__org_unit").prefetch_related("signals")
    else:
        return None
    return queryset


def record_owner(entity: str, record):
    """The user a rule's "owner" means for this record."""
    if entity == Entity.CONTACT:
        return record.customer.owner
    if entity == Entity.TASK:
        return record.assignee
    return record.owner


def record_link(entity: str, record) -> str:
    from django.urls import reverse

    if entity == Entity.OPPORTUNITY:
        return reverse("pipeline:detail", args=[record.pk])
    if entity == Entity.CUSTOMER:
        return reverse("customers:detail", args=[record.pk])
    if entity == Entity.CONTACT:
        return reverse("customers:detail", args=[record.customer_id])
    if entity == Entity.LEAD:
        return reverse("leads:detail", args=[record.pk])
    if entity == Entity.VISIT:  # a visit is read on its customer's page (visit timeline)
        return reverse("customers:detail", args=[record.customer_id])
    return reverse("todos:list")


def record_task_link(entity: str, record) -> tuple[str, int | None]:
    """The record a to-do made by a rule is filed under: the record itself where to-dos can hang, a visit's
    customer (where the visit is read), else none."""
    from shangji.todos.choices import TaskEntity

    if entity in TaskEntity.values:
        return entity, record.pk
    if entity == Entity.VISIT:
        return TaskEntity.CUSTOMER, record.customer_id
    return "", None


def record_label(entity: str, record) -> str:
    if entity == Entity.VISIT:
        when = record.visited_at or record.checked_in_at
        day = timezone.localtime(when).strftime("%Y-%m-%d") if when else (record.planned_on or "")
        return f"{record.customer.name} {day}".strip()[:200]
    return str(getattr(record, "name", None) or getattr(record, "title", None) or f"#{record.pk}")[:200]
