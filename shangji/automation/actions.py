"""What a rule can do. Each action is data ({"type": …, …}) checked by `validate_action` and carried out by
`run_action` through the owning app's service, so an automated change behaves like a person's (DESIGN rule 1).

Recipients are data too: {"kind": "owner"}, {"kind": "manager", "levels": n} (n steps up the org tree from the
record owner's unit), {"kind": "role", "role": "presales"} (that role in the owner's region, else anywhere),
{"kind": "user", "user": id}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.automation.catalog import FieldSpec, fields_for, record_label, record_link, record_owner, record_task_link
from shangji.automation.conditions import ConditionError, coerce, display, resolve
from shangji.core.registry import REGISTRY, setting
from shangji.org.choices import Role, UnitKind

ACTION_TYPES = {
    "notify": gettext_lazy("发送通知"),
    "create_task": gettext_lazy("创建待办"),
    "escalate": gettext_lazy("逐级上报"),
    "assign": gettext_lazy("分配负责人"),
    "set_field": gettext_lazy("设置字段"),
    "freeze": gettext_lazy("冻结操作"),
    "unfreeze": gettext_lazy("解除冻结"),
    "webhook": gettext_lazy("调用 Webhook"),
    "reassign": gettext_lazy("按分配规则改派"),
}
RECIPIENT_KINDS = {
    "owner": gettext_lazy("负责人"),
    "manager": gettext_lazy("负责人的上级"),
    "role": gettext_lazy("负责人所在大区的角色"),
    "user": gettext_lazy("指定人员"),
}
FREEZABLE = {"move": gettext_lazy("推进阶段"), "edit": gettext_lazy("编辑")}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@dataclass
class ActionContext:
    rule: Any
    run: Any
    entity: str
    record: Any
    catalog: dict[str, FieldSpec]


class ActionFailed(Exception):
    """An action could not be carried out; the message is a Chinese sentence for the run log."""


def validate_action(entity: str, action: Any, *, catalog: dict[str, FieldSpec] | None = None) -> None:
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        raise ConditionError(_("未知的动作类型。"))
    kind = action["type"]
    catalog = catalog if catalog is not None else fields_for(entity)
    if kind in ("notify", "create_task"):
        recipients = action.get("to") or []
        if not recipients:
            raise ConditionError(_("“%(action)s”需要选择接收人。") % {"action": ACTION_TYPES[kind]})
        for recipient in recipients:
            _validate_recipient(recipient)
        if not str(action.get("title", "")).strip():
            raise ConditionError(_("“%(action)s”需要填写标题。") % {"action": ACTION_TYPES[kind]})
        if kind == "create_task":
            _validate_amount(action.get("due_value"), action.get("due_setting"), _("待办期限"), optional=True)
    elif kind == "escalate":
        if not str(action.get("levels", "")).isdigit() or not 1 <= int(action["levels"]) <= 5:
            raise ConditionError(_("逐级上报的层级需为 1–5。"))
        if not str(action.get("title", "")).strip():
            raise ConditionError(_("“逐级上报”需要填写标题。"))
    elif kind == "assign":
        _validate_recipient(action.get("to") or {})
        if "owner" not in catalog or not catalog["owner"].settable:
            raise ConditionError(_("此对象不支持分配负责人。"))
    elif kind == "set_field":
        spec = catalog.get(action.get("field"))
        if spec is None or not spec.settable:
            raise ConditionError(_("字段“%(field)s”不存在或不能由规则设置。") % {"field": action.get("field")})
        if spec.type not in ("bool", "text") and coerce(spec, resolve(action.get("value"))) is None:
            raise ConditionError(_("“%(value)s”不是字段“%(field)s”的有效值。") % {
                "value": action.get("value"), "field": spec.label})
    elif kind in ("freeze", "unfreeze"):
        if entity != "opportunity" or action.get("operation") not in FREEZABLE:
            raise ConditionError(_("冻结动作只适用于商机的“推进阶段”或“编辑”。"))
    elif kind == "reassign":
        if entity != "lead":
            raise ConditionError(_("“按分配规则改派”只适用于线索。"))
    elif kind == "webhook":
        from shangji.notify.models import WebhookSubscription

        if not WebhookSubscription.objects.filter(pk=action.get("subscription"), is_active=True).exists():
            raise ConditionError(_("请选择一个启用中的 Webhook 订阅。"))


def _validate_recipient(recipient: Any) -> None:
    from shangji.org.models import User

    kind = recipient.get("kind") if isinstance(recipient, dict) else None
    if kind not in RECIPIENT_KINDS:
        raise ConditionError(_("接收人设置不正确。"))
    if kind == "role" and recipient.get("role") not in Role.values:
        raise ConditionError(_("请选择接收人的角色。"))
    if kind == "user" and not User.objects.filter(pk=recipient.get("user"), is_active=True).exists():
        raise ConditionError(_("指定的人员不存在或已停用。"))
    if kind == "manager" and not 1 <= int(recipient.get("levels") or 1) <= 5:
        raise ConditionError(_("上级层级需为 1–5。"))


def _validate_amount(value: Any, setting_key: str | None, label: str, optional: bool = False) -> None:
    if setting_key:
        if setting_key not in REGISTRY:
            raise ConditionError(_("引用的设置项“%(key)s”不存在。") % {"key": setting_key})
        return
    if value in (None, "") and optional:
        return
    if not str(value).isdigit():
        raise ConditionError(_("“%(label)s”需要填写整数。") % {"label": label})


def run_action(action: dict, ctx: ActionContext) -> str:
    """Carry out one action; returns what it did, in Chinese. Raises ActionFailed (or any error) on failure."""
    return _RUNNERS[action["type"]](action, ctx)


def render(template: str, ctx: ActionContext) -> str:
    """Fill {field} placeholders with the record's values as people read them; unknown names stay as typed."""
    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key == "link":
            return record_link(ctx.entity, ctx.record)
        if key == "rule":
            return ctx.rule.name
        spec = ctx.catalog.get(key)
        if spec is None:
            return match.group(0)
        return display(spec, coerce(spec, spec.get(ctx.record)))
    return _PLACEHOLDER.sub(fill, str(template))[:500]


def recipients(specs: list[dict], ctx: ActionContext) -> list:
    found: dict[int, Any] = {}
    for spec in specs:
        for user in _resolve_recipient(spec, ctx):
            found.setdefault(user.pk, user)
    return list(found.values())


def _resolve_recipient(spec: dict, ctx: ActionContext) -> list:
    from shangji.org.models import User

    owner = record_owner(ctx.entity, ctx.record)
    kind = spec.get("kind")
    if kind == "owner":
        return [owner] if owner and owner.is_active else []
    if kind == "manager":
        return managers_above(owner, levels=int(spec.get("levels") or 1))
    if kind == "role":
        users = User.objects.filter(role=spec["role"], is_active=True)
        region = _region_of(owner)
        near = list(users.filter(org_unit__path__startswith=region.path)) if region is not None else []
        return near or list(users)
    if kind == "user":
        return list(User.objects.filter(pk=spec.get("user"), is_active=True))
    return []


def managers_above(user, *, levels: int = 1) -> list:
    """The heads `levels` steps up the org tree from `user` (a step = the nearest unit that has an active manager
    other than the user). With nobody left above, the company's directors."""
    from shangji.org.models import User

    if user is None or user.org_unit_id is None:
        return list(User.objects.filter(role=Role.DIRECTOR, is_active=True))
    chain = [int(part) for part in user.org_unit.path.strip("/").split("/") if part][::-1]  # own unit first
    by_unit: dict[int, list] = {}
    for manager in User.objects.filter(org_unit_id__in=chain, role=Role.MANAGER, is_active=True).exclude(pk=user.pk):
        by_unit.setdefault(manager.org_unit_id, []).append(manager)
    heads: list = []
    for unit_id in chain:
        if unit_id not in by_unit:
            continue
        heads = by_unit[unit_id]
        levels -= 1
        if levels == 0:
            return heads
    directors = list(User.objects.filter(role=Role.DIRECTOR, is_active=True).exclude(pk=user.pk))
    return directors or heads


def _region_of(user):
    if user is None or user.org_unit_id is None:
        return None
    from shangji.org.models import OrgUnit

    ids = [int(part) for part in user.org_unit.path.strip("/").split("/") if part]
    return OrgUnit.objects.filter(pk__in=ids, kind=UnitKind.REGION).first()


def _names(users) -> str:
    return "、".join(user.display_name for user in users)


def _notify(action: dict, ctx: ActionContext) -> str:
    users = recipients(action["to"], ctx)
    if not users:
        raise ActionFailed(_("没有找到接收人。"))
    _send(users, action, ctx)
    return _("已通知 %(names)s") % {"names": _names(users)}


def _send(users: list, action: dict, ctx: ActionContext) -> None:
    from shangji.notify.services import notification_send

    notification_send(recipients=users, title=render(action["title"], ctx), body=render(action.get("body", ""), ctx),
                      link=record_link(ctx.entity, ctx.record), entity=ctx.entity, entity_id=ctx.record.pk,
                      source=ctx.rule.source_tag)


def _create_task(action: dict, ctx: ActionContext) -> str:
    from shangji.todos.services import task_create

    users = recipients(action["to"], ctx)
    if not users:
        raise ActionFailed(_("没有找到待办的负责人。"))
    due_at = None
    amount = setting(action["due_setting"]) if action.get("due_setting") else action.get("due_value")
    if amount not in (None, ""):
        due_at = timezone.now() + timedelta(hours=int(amount))
    entity, entity_id = record_task_link(ctx.entity, ctx.record)
    for user in users:
        task_create(title=render(action["title"], ctx), assignee=user, due_at=due_at, entity=entity,
                    entity_id=entity_id, note=render(action.get("body", ""), ctx),
                    actor=None, source=ctx.rule.source_tag)
    return _("已创建待办给 %(names)s") % {"names": _names(users)}


def _escalate(action: dict, ctx: ActionContext) -> str:
    heads = managers_above(record_owner(ctx.entity, ctx.record), levels=int(action["levels"]))
    if not heads:
        raise ActionFailed(_("组织架构中没有可上报的上级。"))
    _send(heads, action, ctx)
    return _("已上报给 %(names)s") % {"names": _names(heads)}


def _assign(action: dict, ctx: ActionContext) -> str:
    users = recipients([action["to"]], ctx)
    if not users:
        raise ActionFailed(_("没有找到可分配的人员。"))
    _update(ctx, owner=users[0])
    return _("已分配给 %(name)s") % {"name": users[0].display_name}


def _set_field(action: dict, ctx: ActionContext) -> str:
    spec = ctx.catalog[action["field"]]
    value = resolve(action.get("value"))
    if spec.key.startswith("custom."):
        _update(ctx, custom={spec.key.removeprefix("custom."): value})
    elif spec.type == "user":
        from shangji.org.models import User

        _update(ctx, owner=User.objects.get(pk=value, is_active=True))
    else:
        _update(ctx, **{spec.key: value})
    return _("已将“%(field)s”设为 %(value)s") % {"field": spec.label, "value": display(spec, coerce(spec, value))}


def _update(ctx: ActionContext, **changes: Any) -> None:
    if ctx.entity == "opportunity":
        from shangji.pipeline.services import opportunity_update

        opportunity_update(opportunity=ctx.record, actor=None, **changes)
    elif ctx.entity == "customer":
        from shangji.customers.services import customer_fields_of, customer_update

        owner = changes.pop("owner", None)
        customer_update(customer=ctx.record, actor=None, fields=customer_fields_of(ctx.record), owner=owner,
                        **changes)
    else:
        raise ActionFailed(_("此对象不支持由规则修改。"))


def _freeze(action: dict, ctx: ActionContext) -> str:
    from shangji.core.services import freeze_set

    reason = render(action.get("reason") or ctx.rule.name, ctx)
    freeze_set(entity=ctx.entity, entity_id=ctx.record.pk, action=action["operation"], reason=reason)
    return _("已冻结“%(op)s”：%(reason)s") % {"op": FREEZABLE[action["operation"]], "reason": reason}


def _unfreeze(action: dict, ctx: ActionContext) -> str:
    from shangji.core.services import freeze_release

    freeze_release(entity=ctx.entity, entity_id=ctx.record.pk, action=action["operation"])
    return _("已解除“%(op)s”的冻结") % {"op": FREEZABLE[action["operation"]]}


def _webhook(action: dict, ctx: ActionContext) -> str:
    from shangji.notify.models import WebhookSubscription
    from shangji.notify.services import webhook_send

    subscription = WebhookSubscription.objects.filter(pk=action.get("subscription"), is_active=True).first()
    if subscription is None:
        raise ActionFailed(_("Webhook 订阅不存在或已停用。"))
    data = {"rule": ctx.rule.name, "entity": ctx.entity, "entity_id": ctx.record.pk,
            "record": record_label(ctx.entity, ctx.record),
            "fields": {key: _json(spec, ctx.record) for key, spec in ctx.catalog.items()}}
    webhook_send(subscription=subscription, event_name=f"rule.{ctx.rule.key or ctx.rule.pk}", data=data,
                 idempotency_key=f"rulerun-{ctx.run.pk}-{subscription.pk}")
    return _("已排队发送到 %(name)s") % {"name": subscription.name}


def _json(spec: FieldSpec, record) -> Any:
    value = coerce(spec, spec.get(record))
    return value if value is None or isinstance(value, bool | list) else str(value)


def _reassign(action: dict, ctx: ActionContext) -> str:
    from shangji.leads.choices import AssignmentKind
    from shangji.leads.services import lead_reassign

    previous = ctx.record.owner
    lead = lead_reassign(lead=ctx.record, kind=AssignmentKind.SLA)
    if lead.owner_id is None:
        return _("%(name)s 之外无人可接，已进入待分配队列") % {"name": previous.display_name if previous else "—"}
    return _("已由 %(old)s 改派给 %(new)s") % {"old": previous.display_name if previous else "—",
                                            "new": lead.owner.display_name}


_RUNNERS = {"notify": _notify, "create_task": _create_task, "escalate": _escalate, "assign": _assign,
            "set_field": _set_field, "freeze": _freeze, "unfreeze": _unfreeze, "webhook": _webhook,
            "reassign": _reassign}


def describe_action(action: dict, ctx: ActionContext) -> str:
    """What an action would do on this record, without doing it (the rule tester)."""
    kind = action.get("type")
    label = str(ACTION_TYPES.get(kind, kind))
    if kind in ("notify", "create_task"):
        users = recipients(action.get("to") or [], ctx)
        return _("%(action)s → %(names)s：%(title)s") % {
            "action": label, "names": _names(users) or _("（无人）"), "title": render(action.get("title", ""), ctx)}
    if kind == "escalate":
        heads = managers_above(record_owner(ctx.entity, ctx.record), levels=int(action.get("levels") or 1))
        return _("%(action)s → %(names)s：%(title)s") % {
            "action": label, "names": _names(heads) or _("（无人）"), "title": render(action.get("title", ""), ctx)}
    if kind == "assign":
        users = recipients([action.get("to") or {}], ctx)
        return _("%(action)s → %(name)s") % {"action": label, "name": users[0].display_name if users else _("（无人）")}
    if kind == "reassign":
        from shangji.leads.assignment import decide

        decision = decide(ctx.record, exclude=(ctx.record.owner_id,) if ctx.record.owner_id else ())
        return _("%(action)s → %(name)s") % {"action": label,
                                            "name": decision.owner.display_name if decision.owner else _("待分配队列")}
    if kind == "set_field":
        spec = ctx.catalog.get(action.get("field"))
        if spec is None:
            return _("%(action)s：字段已不存在") % {"action": label}
        value = resolve(action.get("value"))
        return _("%(action)s：%(field)s = %(value)s") % {"action": label, "field": spec.label,
                                                        "value": display(spec, coerce(spec, value))}
    if kind in ("freeze", "unfreeze"):
        return _("%(action)s：%(op)s") % {"action": label, "op": FREEZABLE.get(action.get("operation"), "")}
    return label
