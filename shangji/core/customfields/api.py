"""The `custom` object of the customer, contact and opportunity APIs, and its OpenAPI schema.

Reads return every active field (null when unset); writes are validated by the entity services. The schema is
built from the field catalog each time /api/schema/ is generated, so a field added in the UI appears at once.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from shangji.core.customfields.values import custom_fields_for
from shangji.core.models import CustomField, CustomFieldType


class CustomValuesField(serializers.Field):
    """`{"<key>": value, …}` in the storage format (see shangji.core.customfields)."""

    default_error_messages = {"not_an_object": _("自定义字段需要是一个对象，以字段键为键，如 budget_source。")}

    def __init__(self, *, entity: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("自定义字段"))
        kwargs.setdefault("help_text", _("自定义字段的值，键为字段键；未填写为 null。修改时只需提供要改的键。"))
        super().__init__(**kwargs)
        self.entity = entity

    def _catalog(self) -> list[CustomField]:
        return custom_fields_for(self.entity, request=self.context.get("request"))

    def to_representation(self, value) -> dict:
        stored = value or {}
        return {field.key: stored.get(field.key) for field in self._catalog()}

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            self.fail("not_an_object")
        return data  # the service validates every key against the catalog, with the other field values


def value_schema(field: CustomField) -> dict:
    """The JSON schema of one field's value (nullable: unset reads as null)."""
    kind = field.field_type
    if kind == CustomFieldType.NUMBER:
        schema = {"type": "number"}
    elif kind == CustomFieldType.MONEY:
        schema = {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"}
    elif kind == CustomFieldType.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == CustomFieldType.CHOICE:
        schema = {"type": "string", "enum": [*field.choices, None]}
    elif kind == CustomFieldType.MULTI_CHOICE:
        schema = {"type": "array", "items": {"type": "string", "enum": list(field.choices)}}
    elif kind == CustomFieldType.USER:
        schema = {"type": "integer", "description": str(_("用户ID"))}
    elif kind == CustomFieldType.BOOLEAN:
        schema = {"type": "boolean"}
    else:
        schema = {"type": "string", "maxLength": 1000}
    title = f"{field.label} ({field.label_en})" if field.label_en else field.label
    return {**schema, "title": title, "nullable": True,
            **({"description": field.help_text} if field.help_text and "description" not in schema else {})}


class CustomValuesFieldExtension(OpenApiSerializerFieldExtension):
    target_class = CustomValuesField

    def map_serializer_field(self, auto_schema, direction):
        fields = custom_fields_for(self.target.entity)
        return {
            "type": "object",
            "description": str(self.target.help_text),
            "properties": {field.key: value_schema(field) for field in fields},
            "additionalProperties": False,
        }


class CustomFieldSerializer(serializers.ModelSerializer):
    """A field definition. `entity` and `key` are fixed once created; `choices` is a list of strings."""

    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)

    class Meta:
        model = CustomField
        fields = ["id", "entity", "key", "label", "label_en", "field_type", "choices", "required",
                  "required_from_stage", "help_text", "sequence", "is_active", "created_at"]
        read_only_fields = ["sequence", "created_at"]
        extra_kwargs = {"key": {"required": False, "allow_blank": True}}

    def definition(self):
        from shangji.core.customfields.definitions import FieldDefinition

        data = {**({name: getattr(self.instance, name) for name in ("label", "label_en", "field_type", "choices",
                                                                    "required", "help_text", "key")}
                   if self.instance else {}), **self.validated_data}
        stage = data.get("required_from_stage", getattr(self.instance, "required_from_stage", None))
        return FieldDefinition(label=data.get("label", ""), field_type=data.get("field_type", ""),
                               key=data.get("key", "") or "", label_en=data.get("label_en", "") or "",
                               choices=tuple(data.get("choices") or ()), required=bool(data.get("required")),
                               required_from_stage_id=stage.pk if stage else None,
                               help_text=data.get("help_text", "") or "")
