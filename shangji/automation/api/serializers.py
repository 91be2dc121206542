from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shangji.automation.models import Rule, RuleRun
from shangji.automation.services import RuleSpec

CONDITION_TREE = {
    "type": "object",
    "description": "{match: all|any, items: [{field, op, value} | group]}; value may be {setting: key}",
    "properties": {"match": {"type": "string", "enum": ["all", "any"]}, "items": {"type": "array", "items": {}}},
}
ACTIONS = {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string"}}}}


@extend_schema_field(CONDITION_TREE)
class ConditionTreeField(serializers.JSONField):
    pass


@extend_schema_field(ACTIONS)
class ActionsField(serializers.JSONField):
    pass


class RuleSerializer(serializers.ModelSerializer):
    conditions = ConditionTreeField(required=False, label=_("条件"))
    start_conditions = ConditionTreeField(required=False, label=_("计时条件"))
    actions = ActionsField(label=_("动作"))
    author_name = serializers.CharField(source="author.display_name", read_only=True, default=None)

    class Meta:
        model = Rule
        fields = ["id", "key", "name", "description", "entity", "trigger", "start_event", "start_conditions",
                  "delay_value", "delay_setting", "delay_unit", "conditions", "actions", "is_enabled",
                  "disabled_reason", "sequence", "author", "author_name", "created_at", "updated_at"]
        read_only_fields = ["key", "disabled_reason", "author", "created_at", "updated_at"]

    def spec(self) -> RuleSpec:
        """The rule as the service takes it: the stored values, overlaid with what the request sent. The service
        validates it (its Chinese messages come back as a 400 with the fields)."""
        data = {**({name: getattr(self.instance, name) for name in RuleSpec.__dataclass_fields__}
                   if self.instance else {}), **self.validated_data}
        data.setdefault("conditions", {})
        data.setdefault("actions", [])
        try:
            return RuleSpec(**{name: value for name, value in data.items() if name in RuleSpec.__dataclass_fields__})
        except TypeError:
            raise serializers.ValidationError(_("缺少必填项：名称、对象、触发与动作。")) from None


class RuleRunSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)

    class Meta:
        model = RuleRun
        fields = ["id", "rule", "rule_name", "event", "timer", "entity", "entity_id", "record_label", "outcome",
                  "conditions_detail", "actions_detail", "error", "chain", "ran_at", "duration_ms"]


class RuleTestSerializer(serializers.Serializer):
    record_id = serializers.IntegerField(label=_("记录ID"))


class RuleTestResultSerializer(serializers.Serializer):
    would_fire = serializers.BooleanField()
    conditions = serializers.ListField(child=serializers.DictField())
    actions = serializers.ListField(child=serializers.CharField())
