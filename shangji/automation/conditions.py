"""Conditions are data, evaluated here by comparison only — no `eval`, no attribute paths from users.

A condition tree: {"match": "all" | "any", "items": [leaf or tree, …]}; a leaf: {"field": key, "op": op,
"value": v}. A value may be {"setting": "<registry key>"} so thresholds stay settings (DESIGN rule 6).
`validate` checks a tree against the entity's catalog (Chinese messages); `evaluate` answers with the
reason for every leaf ("金额 大于 50,000.00：是（实际 80,000.00）").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.automation.catalog import FieldSpec, MissingField, fields_for
from shangji.core.registry import REGISTRY, setting

OPS = {
    "eq": gettext_lazy("等于"), "ne": gettext_lazy("不等于"),
    "gt": gettext_lazy("大于"), "gte": gettext_lazy("大于等于"),
    "lt": gettext_lazy("小于"), "lte": gettext_lazy("小于等于"),
    "in": gettext_lazy("属于"), "not_in": gettext_lazy("不属于"),
    "contains": gettext_lazy("包含"), "not_contains": gettext_lazy("不包含"),
    "empty": gettext_lazy("为空"), "not_empty": gettext_lazy("不为空"),
    "is_true": gettext_lazy("为是"), "is_false": gettext_lazy("为否"),
    "changed": gettext_lazy("发生变化"), "changed_from": gettext_lazy("由…变为其他"),
    "changed_to": gettext_lazy("变为"),
    "days_ago_gte": gettext_lazy("距今已满（天）"), "days_ago_lt": gettext_lazy("距今不足（天）"),
    "days_ahead_lte": gettext_lazy("在未来（天）之内"),
}
_ORDERED = ["eq", "ne", "gt", "gte", "lt", "lte", "empty", "not_empty", "changed"]
TYPE_OPS = {
    "text": ["eq", "ne", "contains", "not_contains", "empty", "not_empty", "changed", "changed_from", "changed_to"],
    "number": _ORDERED,
    "money": _ORDERED,
    "date": [*_ORDERED, "days_ago_gte", "days_ago_lt", "days_ahead_lte"],
    "datetime": ["gt", "gte", "lt", "lte", "empty", "not_empty", "changed", "days_ago_gte", "days_ago_lt",
                 "days_ahead_lte"],
    "choice": ["eq", "ne", "in", "not_in", "empty", "not_empty", "changed", "changed_from", "changed_to"],
    "user": ["eq", "ne", "in", "not_in", "empty", "not_empty", "changed", "changed_from", "changed_to"],
    "multi": ["contains", "not_contains", "empty", "not_empty", "changed"],
    "bool": ["is_true", "is_false", "changed"],
}
NO_VALUE = {"empty", "not_empty", "is_true", "is_false", "changed"}
LIST_VALUE = {"in", "not_in"}
DAYS_VALUE = {"days_ago_gte", "days_ago_lt", "days_ahead_lte"}
CHANGE_OPS = {"changed", "changed_from", "changed_to"}


class ConditionError(ValueError):
    """A tree that does not fit the catalog; the message is a Chinese sentence for the rule's author."""


@dataclass
class Context:
    """What a condition sees: the record, and for update events what changed and the old values."""

    entity: str
    record: Any
    changed: set[str] = field(default_factory=set)
    previous: dict[str, Any] = field(default_factory=dict)
    before: bool = False  # evaluate against the values before the change (for "becomes true")
    catalog: dict[str, FieldSpec] | None = None

    def __post_init__(self):
        if self.catalog is None:
            self.catalog = fields_for(self.entity)

    def spec(self, key: str) -> FieldSpec:
        try:
            return self.catalog[key]
        except KeyError:
            raise MissingField(key) from None

    def value(self, spec: FieldSpec) -> Any:
        if self.before and spec.previous_key in self.changed:
            return coerce(spec, self.previous.get(spec.previous_key))
        return coerce(spec, spec.get(self.record))

    def previous_value(self, spec: FieldSpec) -> Any:
        return coerce(spec, self.previous.get(spec.previous_key)) if spec.previous_key else None

    def was_changed(self, spec: FieldSpec) -> bool:
        return spec.previous_key is not None and spec.previous_key in self.changed


def coerce(spec: FieldSpec, value: Any) -> Any:
    """Bring a stored or typed value to the field's comparable Python type (None stays None)."""
    if value is None or value == "":
        return None
    try:
        if spec.type in ("number", "money"):
            return Decimal(str(value))
        if spec.type == "date":
            return value if isinstance(value, date) and not isinstance(value, datetime) else parse_date(str(value)[:10])
        if spec.type == "datetime":
            return value if isinstance(value, datetime) else parse_datetime(str(value))
        if spec.type == "bool":
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes", "是"}
        if spec.type == "multi":
            return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
        if spec.type in ("choice", "user"):
            return str(value)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return str(value)


def resolve(value: Any) -> Any:
    """A literal, or the current value of a referenced setting."""
    if isinstance(value, dict) and "setting" in value:
        return setting(value["setting"])
    return value


def validate(entity: str, tree: dict | None, *, catalog: dict[str, FieldSpec] | None = None) -> None:
    """Raise ConditionError (Chinese) unless every leaf names a field, an operator its type allows and a value."""
    if not tree:
        return
    catalog = catalog if catalog is not None else fields_for(entity)
    _validate_node(tree, catalog, depth=0)


def _validate_node(node: Any, catalog: dict[str, FieldSpec], depth: int) -> None:
    if not isinstance(node, dict):
        raise ConditionError(_("条件格式不正确。"))
    if "items" in node:
        if depth > 4:
            raise ConditionError(_("条件分组最多嵌套 5 层。"))
        if node.get("match", "all") not in ("all", "any"):
            raise ConditionError(_("条件分组只能是“全部满足”或“任一满足”。"))
        if not isinstance(node["items"], list):
            raise ConditionError(_("条件格式不正确。"))
        for item in node["items"]:
            _validate_node(item, catalog, depth + 1)
        return
    key, op = node.get("field"), node.get("op")
    if key not in catalog:
        raise ConditionError(_("条件引用的字段“%(field)s”不存在或已停用。") % {"field": key})
    spec = catalog[key]
    if op not in TYPE_OPS[spec.type]:
        raise ConditionError(_("字段“%(field)s”不支持比较方式“%(op)s”。") % {"field": spec.label, "op": op})
    if op in NO_VALUE:
        return
    value = node.get("value")
    if isinstance(value, dict) and "setting" in value:
        if value["setting"] not in REGISTRY:
            raise ConditionError(_("条件引用的设置项“%(key)s”不存在。") % {"key": value["setting"]})
        return
    if value is None or value == "" or value == []:
        raise ConditionError(_("请为条件“%(field)s %(op)s”填写比较值。") % {"field": spec.label, "op": OPS[op]})
    if op in DAYS_VALUE:
        if not str(value).isdigit():
            raise ConditionError(_("“%(field)s %(op)s”需要填写天数（整数）。") % {"field": spec.label, "op": OPS[op]})
        return
    values = value if isinstance(value, list) else [value]
    if op in LIST_VALUE and not isinstance(value, list):
        raise ConditionError(_("“%(field)s %(op)s”需要选择一个或多个值。") % {"field": spec.label, "op": OPS[op]})
    for item in values:
        if coerce(spec, item) is None:
            raise ConditionError(_("“%(value)s”不是字段“%(field)s”的有效值。") % {"value": item, "field": spec.label})


@dataclass
class Verdict:
    ok: bool
    lines: list[dict]  # [{"depth": n, "text": "…", "ok": bool}] in tree order, for the run log and the tester


def evaluate(tree: dict | None, ctx: Context, *, explain: bool = True) -> Verdict:
    """Evaluate the whole tree (every leaf, so the explanation is complete). Raises MissingField.

    `explain=False` skips writing the sentences (the engine asks for them only for runs it logs)."""
    lines: list[dict] = []
    if not tree or not tree.get("items"):
        return Verdict(True, [{"depth": 0, "text": _("（无条件）"), "ok": True}] if explain else [])
    ok = _node(tree, ctx, lines if explain else None, 0)
    return Verdict(ok, lines)


def _node(node: dict, ctx: Context, lines: list[dict] | None, depth: int) -> bool:
    if "items" in node:
        match_all = node.get("match", "all") == "all"
        position = len(lines) if lines is not None else 0
        results = [_node(item, ctx, lines, depth + 1) for item in node["items"]]
        ok = all(results) if match_all else any(results)
        if lines is not None and (depth > 0 or len(node["items"]) > 1):
            lines.insert(position, {"depth": depth, "ok": ok,
                                    "text": _("以下全部满足") if match_all else _("以下任一满足")})
        return ok
    spec = ctx.spec(node["field"])
    op, raw = node["op"], resolve(node.get("value"))
    actual = ctx.value(spec)
    ok = _compare(spec, op, actual, raw, ctx)
    if lines is not None:
        lines.append({"depth": depth, "ok": ok, "text": _describe(spec, op, raw, actual, ctx, ok)})
    return ok


def _compare(spec: FieldSpec, op: str, actual: Any, raw: Any, ctx: Context) -> bool:
    if op == "empty":
        return actual in (None, [], "")
    if op == "not_empty":
        return actual not in (None, [], "")
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return not actual
    if op in CHANGE_OPS:
        if ctx.before or not ctx.was_changed(spec):
            return False
        if op == "changed":
            return True
        target = coerce(spec, raw)
        return (ctx.previous_value(spec) == target) if op == "changed_from" else (actual == target)
    if op in DAYS_VALUE:
        if actual is None:
            return False
        days = int(raw)
        today = timezone.localdate()
        day = timezone.localtime(actual).date() if isinstance(actual, datetime) else actual
        if op == "days_ago_gte":
            return day <= today - timedelta(days=days)
        if op == "days_ago_lt":
            return day > today - timedelta(days=days)
        return today <= day <= today + timedelta(days=days)
    if op in LIST_VALUE:
        members = {coerce(spec, item) for item in (raw if isinstance(raw, list) else [raw])}
        return (actual in members) if op == "in" else (actual not in members)
    if spec.type == "multi":
        present = coerce(spec, raw)[0] in (actual or [])
        return present if op == "contains" else not present
    target = coerce(spec, raw)
    if op == "eq":
        return actual == target
    if op == "ne":
        return actual != target
    if op == "contains":
        return actual is not None and str(target) in actual
    if op == "not_contains":
        return actual is None or str(target) not in actual
    if actual is None or target is None:
        return False
    if isinstance(actual, datetime) and not isinstance(target, datetime):
        actual = timezone.localtime(actual).date()
    return {"gt": actual > target, "gte": actual >= target, "lt": actual < target, "lte": actual <= target}[op]


def display(spec: FieldSpec, value: Any) -> str:
    """A value as a person reads it: option labels instead of ids, money with separators."""
    if value is None or value == [] or value == "":
        return _("空")
    if isinstance(value, list):
        return "、".join(display(spec, item) for item in value)
    if spec.type == "user":
        return _user_name(value)
    if spec.options and spec.type in ("choice", "multi"):
        return str(_option_labels(spec).get(str(value), value))
    if spec.type == "money":
        return f"{Decimal(str(value)):,.2f}"
    if spec.type == "bool":
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _option_labels(spec: FieldSpec) -> dict[str, str]:
    """Option labels, read once per catalog (a catalog lives for one event or one page)."""
    cached = getattr(spec.options, "labels", None)
    if cached is None:
        cached = {str(key): str(label) for key, label in spec.options()}
        spec.options.labels = cached
    return cached


_user_names: dict[str, tuple[float, str]] = {}


def _user_name(value: Any) -> str:
    """A user's display name, remembered for a minute (rule logs name the same few people again and again)."""
    key = str(value)
    now = time.monotonic()
    hit = _user_names.get(key)
    if hit and now - hit[0] < 60:
        return hit[1]
    from shangji.org.models import User

    user = User.objects.filter(pk=value).first() if key.isdigit() else None
    name = user.display_name if user else key
    if len(_user_names) > 5000:
        _user_names.clear()
    _user_names[key] = (now, name)
    return name


def _describe(spec: FieldSpec, op: str, raw: Any, actual: Any, ctx: Context, ok: bool) -> str:
    verdict = _("是") if ok else _("否")
    if op in NO_VALUE:
        wanted = ""
    elif op in DAYS_VALUE:
        wanted = f" {raw}"
    elif isinstance(raw, list):
        wanted = " " + display(spec, [coerce(spec, item) for item in raw])
    else:
        wanted = " " + display(spec, coerce(spec, raw))
    if op in CHANGE_OPS:
        shown = _("由 %(old)s 变为 %(new)s") % {"old": display(spec, ctx.previous_value(spec)),
                                             "new": display(spec, actual)} if ctx.was_changed(spec) else _("未变化")
    else:
        shown = display(spec, actual)
    return _("%(field)s %(op)s%(wanted)s：%(verdict)s（实际：%(actual)s）") % {
        "field": spec.label, "op": OPS[op], "wanted": wanted, "verdict": verdict, "actual": shown}
