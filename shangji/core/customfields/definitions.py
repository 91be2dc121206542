"""Services that define custom fields (A2): create, edit, reorder, deactivate — audited, for sales ops and admins.

Fields are never deleted (history and rule conditions name them); the key is fixed once created (the API, exports
and rules use it); the type cannot change once any record holds a value.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from shangji.core.customfields.values import KEY_PATTERN
from shangji.core.models import CustomField, CustomFieldEntity, CustomFieldType
from shangji.core.services import audit_record
from shangji.core.text import clean_text

CHOICE_MAX_LENGTH = 100  # one option is a short phrase; longer text belongs in a text field
_WITH_CHOICES = {CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE}


@dataclass(frozen=True)
class FieldDefinition:
    """What sales ops type on the field form, already split into Python values."""

    label: str
    field_type: str
    key: str = ""
    label_en: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    required_from_stage_id: int | None = None
    help_text: str = ""


def _records_of(entity: str):
    if entity == CustomFieldEntity.OPPORTUNITY:
        from shangji.pipeline.models import Opportunity

        return Opportunity.objects.all()
    from shangji.customers.models import Contact, Customer

    return (Customer if entity == CustomFieldEntity.CUSTOMER else Contact).objects.all()


def custom_field_value_count(field: CustomField) -> int:
    """How many records hold a value for the field (every record, whoever can see it: this guards the schema)."""
    return _records_of(field.entity).filter(custom__has_key=field.key).count()


def _check_actor(actor) -> None:
    if actor is not None and not getattr(actor, "can_configure", False):
        raise PermissionDenied(_("只有销售运营或管理员可以配置自定义字段。"))


def _cleaned(*, entity: str, definition: FieldDefinition, field: CustomField | None) -> dict:
    """Validated attribute values; one ValidationError naming every bad input."""
    errors: dict[str, list[str]] = {}
    label = clean_text(definition.label)
    if not label:
        errors["label"] = [_("请填写字段名称。")]
    elif len(label) > 40:
        errors["label"] = [_("字段名称最多 40 个字。")]
    elif CustomField.objects.filter(entity=entity, label=label).exclude(pk=getattr(field, "pk", None)).exists():
        errors["label"] = [_("该对象已有名为“%(label)s”的字段。") % {"label": label}]
    label_en = clean_text(definition.label_en)
    if len(label_en) > 60:
        errors["label_en"] = [_("英文名称最多 60 个字符。")]
    if definition.field_type not in CustomFieldType.values:
        errors["field_type"] = [_("请选择字段类型。")]
    choices: list[str] = []
    for raw in definition.choices:
        choice = clean_text(raw)
        if len(choice) > CHOICE_MAX_LENGTH:
            errors["choices"] = [_("每个选项最多 %(max)s 个字。") % {"max": CHOICE_MAX_LENGTH}]
        elif choice and choice not in choices:
            choices.append(choice)
    if definition.field_type in _WITH_CHOICES and not choices and "choices" not in errors:
        errors["choices"] = [_("单选或多选字段至少需要一个选项（每行一个）。")]
    stage = None
    if definition.required_from_stage_id is not None:
        from shangji.pipeline.models import Stage

        stage = Stage.objects.filter(pk=definition.required_from_stage_id, is_active=True, is_won=False,
                                     is_lost=False).first()
        if entity != CustomFieldEntity.OPPORTUNITY:
            errors["required_from_stage"] = [_("只有商机字段可以设置“从此阶段起必填”。")]
        elif stage is None:
            errors["required_from_stage"] = [_("请选择一个启用中的进行阶段。")]
    help_text = clean_text(definition.help_text)
    if len(help_text) > 200:
        errors["help_text"] = [_("填写说明最多 200 个字。")]
    if errors:
        raise ValidationError(errors)
    return {"label": label, "label_en": label_en, "field_type": definition.field_type,
            "choices": choices if definition.field_type in _WITH_CHOICES else [],
            "required": bool(definition.required), "required_from_stage": stage, "help_text": help_text}


def _suggested_key(definition: FieldDefinition) -> str:
    """An ASCII key from the English name (or an ASCII label); "" when there is none (then f<id>)."""
    source = clean_text(definition.label_en) or clean_text(definition.label)
    slug = re.sub(r"[^a-z0-9]+", "_", source.lower()).strip("_")[:40].rstrip("_")
    return slug if KEY_PATTERN.match(slug) else ""


def _display(attribute: str, value) -> str:
    if isinstance(value, list):
        return "、".join(value)
    if attribute == "required_from_stage":
        return value.name if value is not None else ""
    return "" if value is None else str(value)


@transaction.atomic
def custom_field_create(*, actor, entity: str, definition: FieldDefinition) -> CustomField:
    _check_actor(actor)
    if entity not in CustomFieldEntity.values:
        raise ValidationError({"entity": [_("不支持的对象类型。")]})
    values = _cleaned(entity=entity, definition=definition, field=None)
    key = clean_text(definition.key).lower()
    taken = set(CustomField.objects.filter(entity=entity).values_list("key", flat=True))
    if key and not KEY_PATTERN.match(key):
        raise ValidationError({"key": [
            _("字段键只能用小写英文字母、数字和单个下划线，以字母开头，最多 40 个字符。")]})
    if key in taken:
        raise ValidationError({"key": [_("字段键“%(key)s”已被使用。") % {"key": key}]})
    if not key:
        suggested = _suggested_key(definition)
        key = suggested if suggested and suggested not in taken else ""
    last = CustomField.objects.filter(entity=entity).aggregate(last=Max("sequence"))["last"] or 0
    try:
        with transaction.atomic():
            field = CustomField.objects.create(entity=entity, key=key or f"tmp-{uuid.uuid4().hex[:16]}",
                                               sequence=last + 10, **values)
    except IntegrityError:  # the same key typed in two browsers at once
        raise ValidationError({"key": [_("字段键“%(key)s”已被使用。") % {"key": key}]}) from None
    if not key:
        key, suffix = f"f{field.pk}", 1
        while key in taken:  # someone typed "f12" for another field before
            key, suffix = f"f{field.pk}_{suffix}", suffix + 1
        field.key = key
        field.save(update_fields=["key"])
    audit_record(entity="custom_field", entity_id=field.pk, action="created", actor=actor,
                 changes={"entity": (None, entity), "key": (None, field.key), "label": (None, field.label),
                          "field_type": (None, field.field_type)})
    return field


@transaction.atomic
def custom_field_update(*, field: CustomField, actor, definition: FieldDefinition) -> CustomField:
    """Edit label, help, choices, required flags — and the type while no record holds a value."""
    _check_actor(actor)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    values = _cleaned(entity=field.entity, definition=definition, field=field)
    if values["field_type"] != field.field_type:
        count = custom_field_value_count(field)
        if count:
            raise ValidationError({"field_type": [
                _("已有 %(count)s 条记录填写了该字段，不能再修改类型。") % {"count": count}]})
    changes = {}
    for attribute, value in values.items():
        old = getattr(field, attribute)
        if old != value:
            changes[attribute] = (_display(attribute, old), _display(attribute, value))
            setattr(field, attribute, value)
    if changes:
        field.save()
        audit_record(entity="custom_field", entity_id=field.pk, action="updated", actor=actor, changes=changes)
    return field


@transaction.atomic
def custom_field_move(*, field: CustomField, actor, offset: int) -> None:
    """Move a field up (offset -1) or down (+1) among its entity's fields; sequences are renumbered 10, 20, …"""
    _check_actor(actor)
    fields = list(CustomField.objects.select_for_update().filter(entity=field.entity).order_by("sequence", "id"))
    index = next(i for i, item in enumerate(fields) if item.pk == field.pk)
    target = min(max(index + offset, 0), len(fields) - 1)
    if target == index:
        return
    fields.insert(target, fields.pop(index))
    for position, item in enumerate(fields, start=1):
        item.sequence = position * 10
    CustomField.objects.bulk_update(fields, ["sequence"])
    audit_record(entity="custom_field", entity_id=field.pk, action="reordered", actor=actor,
                 changes={"sequence": (index + 1, target + 1)})


@transaction.atomic
def custom_field_set_active(*, field: CustomField, actor, is_active: bool) -> CustomField:
    """Deactivate (values stay stored, the field leaves forms, lists, API and exports) or reactivate."""
    _check_actor(actor)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if field.is_active != is_active:
        field.is_active = is_active
        field.save(update_fields=["is_active"])
        audit_record(entity="custom_field", entity_id=field.pk, action="reactivated" if is_active else "deactivated",
                     actor=actor, changes={"is_active": (not is_active, is_active)})
    return field
