"""A rule in words, for its page and the list: what starts it, what it checks, what it does."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shangji.automation.actions import ACTION_TYPES, FREEZABLE, RECIPIENT_KINDS
from shangji.automation.catalog import fields_for
from shangji.automation.choices import DelayUnit, Entity, StartEvent, Trigger
from shangji.automation.conditions import DAYS_VALUE, NO_VALUE, OPS, coerce, display
from shangji.core.registry import REGISTRY, setting
from shangji.org.choices import Role


def summarize(rule) -> dict:
    catalog = fields_for(rule.entity)
    when = _("当%(entity)s%(trigger)s") % {"entity": Entity(rule.entity).label, "trigger": Trigger(rule.trigger).label}
    if rule.trigger == Trigger.TIME_ELAPSED:
        when = _("%(entity)s%(event)s后开始计时，经过 %(delay)s") % {
            "entity": Entity(rule.entity).label, "event": StartEvent(rule.start_event).label if rule.start_event
            else "", "delay": delay_text(rule)}
    return {
        "when": when,
        "start_conditions": tree_text(rule.start_conditions, catalog),
        "conditions": tree_text(rule.conditions, catalog),
        "actions": [action_text(action, catalog) for action in rule.actions],
    }


def delay_text(rule) -> str:
    unit = DelayUnit(rule.delay_unit).label
    if rule.delay_setting and rule.delay_setting in REGISTRY:
        return _("%(value)s %(unit)s（设置项“%(label)s”）") % {
            "value": setting(rule.delay_setting), "unit": unit, "label": REGISTRY[rule.delay_setting].label}
    return f"{rule.delay_value or 0} {unit}"


def tree_text(tree: dict | None, catalog) -> list[str]:
    if not tree or not tree.get("items"):
        return []
    lines: list[str] = []
    if len(tree["items"]) > 1:
        lines.append(_("以下全部满足：") if tree.get("match", "all") == "all" else _("以下任一满足："))
    for item in tree["items"]:
        _walk(item, catalog, lines, 1 if len(tree["items"]) > 1 else 0)
    return lines


def _walk(node: dict, catalog, lines: list[str], depth: int) -> None:
    indent = "　" * depth
    if "items" in node:
        lines.append(indent + (_("以下全部满足：") if node.get("match", "all") == "all" else _("以下任一满足：")))
        for item in node["items"]:
            _walk(item, catalog, lines, depth + 1)
        return
    spec = catalog.get(node.get("field"))
    if spec is None:
        lines.append(indent + _("⚠ 字段“%(field)s”已不存在") % {"field": node.get("field")})
        return
    op = node.get("op")
    value = node.get("value")
    if op in NO_VALUE:
        shown = ""
    elif isinstance(value, dict) and "setting" in value:
        definition = REGISTRY.get(value["setting"])
        shown = _("设置项“%(label)s”（当前 %(value)s）") % {
            "label": definition.label, "value": setting(value["setting"])} if definition else value["setting"]
    elif op in DAYS_VALUE:
        shown = str(value)
    elif isinstance(value, list):
        shown = display(spec, [coerce(spec, item) for item in value])
    else:
        shown = display(spec, coerce(spec, value))
    lines.append(f"{indent}{spec.label} {OPS.get(op, op)} {shown}".rstrip())


def recipients_text(specs: list[dict]) -> str:
    from shangji.org.models import User

    parts = []
    for spec in specs:
        kind = spec.get("kind")
        if kind == "role":
            parts.append(_("%(kind)s：%(role)s") % {"kind": RECIPIENT_KINDS["role"],
                                                  "role": Role(spec["role"]).label if spec.get("role") in Role.values
                                                  else spec.get("role")})
        elif kind == "manager":
            parts.append(_("负责人的上级（第 %(n)s 级）") % {"n": spec.get("levels") or 1})
        elif kind == "user":
            user = User.objects.filter(pk=spec.get("user")).first()
            parts.append(user.display_name if user else _("（已删除的人员）"))
        else:
            parts.append(str(RECIPIENT_KINDS.get(kind, kind)))
    return "、".join(parts)


def action_text(action: dict, catalog) -> str:
    kind = action.get("type")
    label = str(ACTION_TYPES.get(kind, kind))
    if kind in ("notify", "create_task"):
        text = _("%(action)s → %(to)s：“%(title)s”") % {"action": label, "to": recipients_text(action.get("to", [])),
                                                       "title": action.get("title", "")}
        if kind == "create_task" and (action.get("due_setting") or action.get("due_value")):
            hours = setting(action["due_setting"]) if action.get("due_setting") in REGISTRY else action.get("due_value")
            text += _("，%(hours)s 小时内完成") % {"hours": hours}
        return text
    if kind == "escalate":
        return _("%(action)s %(n)s 级：“%(title)s”") % {"action": label, "n": action.get("levels"),
                                                       "title": action.get("title", "")}
    if kind == "assign":
        return _("%(action)s → %(to)s") % {"action": label, "to": recipients_text([action.get("to") or {}])}
    if kind == "set_field":
        spec = catalog.get(action.get("field"))
        if spec is None:
            return _("%(action)s：⚠ 字段已不存在") % {"action": label}
        return _("%(action)s：%(field)s = %(value)s") % {"action": label, "field": spec.label,
                                                        "value": display(spec, coerce(spec, action.get("value")))}
    if kind in ("freeze", "unfreeze"):
        return f"{label}：{FREEZABLE.get(action.get('operation'), '')}"
    if kind == "webhook":
        from shangji.notify.models import WebhookSubscription

        subscription = WebhookSubscription.objects.filter(pk=action.get("subscription")).first()
        return f"{label}：{subscription.name if subscription else _('（已删除）')}"
    return label
