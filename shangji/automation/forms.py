"""The rule builder form. Conditions and actions arrive as JSON written by the builder script, never typed."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.automation.choices import DelayUnit, Entity, StartEvent, Trigger
from shangji.automation.services import RuleSpec
from shangji.core.registry import REGISTRY
from shangji.web.forms import StyledForm


def _delay_settings():
    return [("", _("（不使用设置项，填写固定时长）"))] + [
        (d.key, f"{d.label}（{d.key}）") for d in sorted(REGISTRY.values(), key=lambda d: d.key) if d.kind == "int"]


class RuleForm(StyledForm):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    entity = forms.ChoiceField(label=_("对象"), choices=Entity.choices)
    trigger = forms.ChoiceField(label=_("触发"), choices=Trigger.choices)
    start_event = forms.ChoiceField(label=_("计时起点"), choices=[("", "—"), *StartEvent.choices], required=False)
    delay_value = forms.IntegerField(label=_("等待时长"), min_value=1, max_value=100000, required=False)
    delay_setting = forms.ChoiceField(label=_("或取自设置项"), required=False)
    delay_unit = forms.ChoiceField(label=_("单位"), choices=DelayUnit.choices, initial=DelayUnit.HOURS)
    is_enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)
    sequence = forms.IntegerField(label=_("顺序"), min_value=0, max_value=10000, initial=100)
    conditions = forms.CharField(widget=forms.HiddenInput, required=False)
    start_conditions = forms.CharField(widget=forms.HiddenInput, required=False)
    actions = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delay_setting"].choices = _delay_settings()

    def _json(self, name: str, empty):
        raw = self.cleaned_data.get(name) or ""
        if not raw.strip():
            return empty
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("规则内容格式不正确，请刷新页面后重试。")) from None
        if not isinstance(value, type(empty)):
            raise forms.ValidationError(_("规则内容格式不正确，请刷新页面后重试。"))
        return value

    def clean_conditions(self):
        return self._json("conditions", {})

    def clean_start_conditions(self):
        return self._json("start_conditions", {})

    def clean_actions(self):
        return self._json("actions", [])

    def spec(self) -> RuleSpec:
        data = self.cleaned_data
        return RuleSpec(
            name=data["name"], description=data["description"], entity=data["entity"], trigger=data["trigger"],
            conditions=data["conditions"], actions=data["actions"], start_event=data["start_event"],
            start_conditions=data["start_conditions"], delay_value=data["delay_value"],
            delay_setting=data["delay_setting"], delay_unit=data["delay_unit"], is_enabled=data["is_enabled"],
            sequence=data["sequence"] if data["sequence"] is not None else 100,
        )


def initial_of(rule) -> dict:
    return {
        "name": rule.name, "description": rule.description, "entity": rule.entity, "trigger": rule.trigger,
        "start_event": rule.start_event, "delay_value": rule.delay_value, "delay_setting": rule.delay_setting,
        "delay_unit": rule.delay_unit, "is_enabled": rule.is_enabled, "sequence": rule.sequence,
        "conditions": json.dumps(rule.conditions or {}, ensure_ascii=False),
        "start_conditions": json.dumps(rule.start_conditions or {}, ensure_ascii=False),
        "actions": json.dumps(rule.actions or [], ensure_ascii=False),
    }
