"""Reads of rules and runs. Rules are company configuration: sales ops and admins see them all."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from shangji.automation.actions import ACTION_TYPES, FREEZABLE, RECIPIENT_KINDS
from shangji.automation.catalog import fields_for, load_record
from shangji.automation.choices import Entity, RunOutcome
from shangji.automation.conditions import OPS, TYPE_OPS
from shangji.automation.models import Rule, RuleRun  # noqa: F401  (API views use them)
from shangji.core.registry import REGISTRY
from shangji.org.choices import Role


def _require_configurer(user) -> None:
    if not getattr(user, "can_configure", False):
        raise PermissionDenied


def rule_list(*, user) -> QuerySet[Rule]:
    _require_configurer(user)
    week_ago = timezone.now() - timedelta(days=7)
    return Rule.objects.select_related("author").annotate(
        last_run_at=Max("runs__ran_at"),
        fired_week=Count("runs", filter=Q(runs__ran_at__gte=week_ago, runs__outcome=RunOutcome.FIRED)),
        errors_week=Count("runs", filter=Q(runs__ran_at__gte=week_ago, runs__outcome=RunOutcome.ERROR)),
    )


def rule_get(*, user, pk: int) -> Rule:
    _require_configurer(user)
    return Rule.objects.select_related("author").get(pk=pk)


def run_list(*, user) -> QuerySet[RuleRun]:
    _require_configurer(user)
    return RuleRun.objects.select_related("rule")


def record_to_try(*, user, entity: str, entity_id: int):
    """A record to try a rule on — only one the tester may see (visibility holds in the tester too)."""
    record = load_record(entity, entity_id)
    if record is None:
        return None
    model = type(record)
    return record if model.objects.visible_to(user).filter(pk=record.pk).exists() else None


def recent_records(*, user, entity: str, limit: int = 30) -> list[tuple[int, str]]:
    """Records offered in the tester's drop-down: the most recently updated the user can see."""
    if entity == Entity.VISIT:
        from shangji.automation.catalog import record_label
        from shangji.visits.choices import VisitStatus
        from shangji.visits.models import Visit

        visits = (Visit.objects.visible_to(user).filter(status=VisitStatus.RECORDED).select_related("customer")
                  .order_by("-visited_at", "-id")[:limit])
        return [(visit.pk, f"#{visit.pk} {record_label(entity, visit)}") for visit in visits]
    if entity == Entity.LEAD:
        from shangji.leads.models import Lead as model
    elif entity == Entity.OPPORTUNITY:
        from shangji.pipeline.models import Opportunity as model
    elif entity == Entity.CUSTOMER:
        from shangji.customers.models import Customer as model
    elif entity == Entity.CONTACT:
        from shangji.customers.models import Contact as model
    else:
        from shangji.todos.models import Task as model
    order = "-created_at" if entity == Entity.CONTACT else "-updated_at"
    label = "title" if entity == Entity.TASK else "name"
    rows = model.objects.visible_to(user).order_by(order).values_list("pk", label)[:limit]
    return [(pk, f"#{pk} {text}") for pk, text in rows]


def builder_catalog(*, entity: str) -> dict:
    """Everything the rule builder offers for `entity`, as JSON for the page's script: no JSON typing by people."""
    from shangji.org.models import User

    fields = []
    for spec in fields_for(entity).values():
        fields.append({"key": spec.key, "label": str(spec.label), "type": spec.type, "ops": TYPE_OPS[spec.type],
                       "settable": spec.settable,
                       "options": [[str(value), str(label)] for value, label in spec.options()] if spec.options
                       else None})
    users = [[str(pk), name or username] for pk, name, username in
             User.objects.filter(is_active=True).order_by("username").values_list("pk", "name", "username")]
    for field in fields:
        if field["type"] == "user":
            field["options"] = users
    settings = [{"key": d.key, "label": str(d.label), "kind": d.kind, "unit": str(d.unit)}
                for d in sorted(REGISTRY.values(), key=lambda d: d.key) if d.kind in ("int", "decimal", "float")]
    from shangji.notify.models import WebhookSubscription

    return {
        "entity": entity,
        "fields": fields,
        "ops": {key: str(label) for key, label in OPS.items()},
        "settings": settings,
        "roles": [[value, str(label)] for value, label in Role.choices],
        "users": users,
        "actions": {key: str(label) for key, label in ACTION_TYPES.items()
                    if (entity == Entity.OPPORTUNITY or key not in ("freeze", "unfreeze"))
                    and (entity == Entity.LEAD or key != "reassign")},
        "recipients": {key: str(label) for key, label in RECIPIENT_KINDS.items()},
        "freezable": {key: str(label) for key, label in FREEZABLE.items()},
        "subscriptions": [[str(pk), name] for pk, name in
                          WebhookSubscription.objects.filter(is_active=True).values_list("pk", "name")],
    }
