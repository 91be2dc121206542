"""Writes of rules. Every save validates the rule against the entity's field catalog (Chinese messages)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.automation.actions import validate_action
from shangji.automation.catalog import fields_for
from shangji.automation.choices import Entity, StartEvent, Trigger
from shangji.automation.conditions import CHANGE_OPS, ConditionError, validate
from shangji.automation.models import Rule
from shangji.core.registry import REGISTRY
from shangji.core.services import audit_record
from shangji.core.timers import timer_cancel


@dataclass
class RuleSpec:
    """Everything a person sets on a rule."""

    name: str
    entity: str
    trigger: str
    conditions: dict = field(default_factory=dict)
    actions: list = field(default_factory=list)
    description: str = ""
    start_event: str = ""
    start_conditions: dict = field(default_factory=dict)
    delay_value: int | None = None
    delay_setting: str = ""
    delay_unit: str = "hours"
    is_enabled: bool = True
    sequence: int = 100


def rule_validate(spec: RuleSpec) -> None:
    """Raise ValidationError({field: [Chinese sentence]}) unless the rule can run."""
    errors: dict[str, list[str]] = {}
    if not spec.name.strip():
        errors["name"] = [_("请填写规则名称。")]
    if spec.entity not in Entity.values:
        errors["entity"] = [_("请选择规则作用的对象。")]
        raise ValidationError(errors)
    if spec.trigger not in Trigger.values:
        errors["trigger"] = [_("请选择触发方式。")]
    if spec.trigger == Trigger.STAGE_CHANGED and spec.entity != Entity.OPPORTUNITY:
        errors["trigger"] = [_("“阶段变更时”只适用于商机。")]
    catalog = fields_for(spec.entity)
    timed = spec.trigger == Trigger.TIME_ELAPSED
    if timed:
        if spec.start_event not in StartEvent.values:
            errors["start_event"] = [_("请选择从什么事件开始计时。")]
        if spec.delay_setting:
            if spec.delay_setting not in REGISTRY or REGISTRY[spec.delay_setting].kind != "int":
                errors["delay_setting"] = [_("等待时长引用的设置项不存在或不是整数。")]
        elif not spec.delay_value or spec.delay_value < 1:
            errors["delay_value"] = [_("请填写等待时长（大于 0 的整数）。")]
    for name, tree in (("start_conditions", spec.start_conditions), ("conditions", spec.conditions)):
        try:
            validate(spec.entity, tree, catalog=catalog)
            if timed and _uses_change_ops(tree):
                raise ConditionError(
                    _("计时规则的条件请使用当前状态（如“阶段 等于 方案提交”），不能使用“变为/发生变化”。"))
        except ConditionError as error:
            errors[name] = [str(error)]
    if not spec.actions:
        errors["actions"] = [_("请至少添加一个动作。")]
    for action in spec.actions:
        try:
            validate_action(spec.entity, action, catalog=catalog)
        except ConditionError as error:
            errors.setdefault("actions", []).append(str(error))
    if errors:
        raise ValidationError(errors)


def _uses_change_ops(tree: dict | None) -> bool:
    if not tree:
        return False
    if "items" in tree:
        return any(_uses_change_ops(item) for item in tree["items"])
    return tree.get("op") in CHANGE_OPS


@transaction.atomic
def rule_create(*, spec: RuleSpec, actor, key: str | None = None) -> Rule:
    rule_validate(spec)
    now = timezone.now()
    rule = Rule.objects.create(key=key, author=actor, created_at=now, updated_at=now, **_normalized(spec))
    audit_record(entity="rule", entity_id=rule.pk, action="created", actor=actor, note=rule.name)
    return rule


@transaction.atomic
def rule_update(*, rule: Rule, spec: RuleSpec, actor) -> Rule:
    rule_validate(spec)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    values = _normalized(spec)
    changes = {name: (getattr(rule, name), value) for name, value in values.items() if getattr(rule, name) != value}
    for name, value in values.items():
        setattr(rule, name, value)
    if spec.is_enabled:
        rule.disabled_reason = ""
    rule.updated_at = timezone.now()
    rule.save()
    if changes:
        audit_record(entity="rule", entity_id=rule.pk, action="updated", actor=actor,
                     changes={name: pair for name, pair in changes.items() if name in ("name", "is_enabled")}
                     or None, note=", ".join(sorted(changes)))
    if not rule.is_enabled:
        _stop_clocks(rule)
    return rule


@transaction.atomic
def rule_enable(*, rule: Rule, actor) -> Rule:
    """Re-enable a rule; a rule that no longer validates (e.g. a field was deleted) stays off with the reason."""
    rule_validate(spec_of(rule))
    Rule.objects.filter(pk=rule.pk).update(is_enabled=True, disabled_reason="", updated_at=timezone.now())
    audit_record(entity="rule", entity_id=rule.pk, action="enabled", actor=actor, note=rule.name)
    rule.refresh_from_db()
    return rule


@transaction.atomic
def rule_disable(*, rule: Rule, actor, reason: str = "") -> Rule:
    Rule.objects.filter(pk=rule.pk).update(is_enabled=False, disabled_reason=reason[:500], updated_at=timezone.now())
    audit_record(entity="rule", entity_id=rule.pk, action="disabled", actor=actor, note=(reason or rule.name)[:500])
    _stop_clocks(rule)
    rule.refresh_from_db()
    return rule


def _stop_clocks(rule: Rule) -> None:
    timer_cancel(kind="rule", key_prefix=f"rule:{rule.pk}:", note=_("规则已停用"))


def _normalized(spec: RuleSpec) -> dict:
    values = asdict(spec)
    values["name"] = values["name"].strip()[:100]
    values["description"] = values["description"].strip()[:300]
    if values["trigger"] != Trigger.TIME_ELAPSED:
        values.update(start_event="", start_conditions={}, delay_value=None, delay_setting="")
    return values


def spec_of(rule: Rule) -> RuleSpec:
    return RuleSpec(**{name: getattr(rule, name) for name in RuleSpec.__dataclass_fields__})
