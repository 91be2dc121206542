"""Custom field values: the field catalog, parsing to the storage format, merging, required checks, display.

See the package docstring for the storage format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from shangji.core.models import CustomField, CustomFieldEntity, CustomFieldType
from shangji.core.text import clean_text

# Storage limits, not business thresholds: numbers must survive a JSON float exactly and money must fit
# the numeric cast the list filters use; 1,000 characters keeps a "text" field a field, not a document.
TEXT_MAX_LENGTH = 1000
NUMBER_LIMIT = Decimal(10) ** 15
MONEY_LIMIT = Decimal(10) ** 13
KEY_PATTERN = re.compile(r"^[a-z](?!.*__)[a-z0-9_]{0,39}$")  # no "__": keys become query aliases

_MODEL_ENTITIES = {
    "customers.customer": CustomFieldEntity.CUSTOMER,
    "customers.contact": CustomFieldEntity.CONTACT,
    "pipeline.opportunity": CustomFieldEntity.OPPORTUNITY,
}
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE_TEXT = {"true", "1", "yes", "是"}
_FALSE_TEXT = {"false", "0", "no", "否"}


class CustomValueError(ValueError):
    """A value a field cannot take; the message names the field's label."""


def entity_of(record) -> str:
    """"customer" / "contact" / "opportunity" for a record that has custom fields."""
    return _MODEL_ENTITIES[record._meta.label_lower]


def custom_fields_for(entity: str, *, include_inactive: bool = False, request=None) -> list[CustomField]:
    """The field catalog of `entity`, in display order; active fields only unless asked.

    Read fresh from the database (A2: a field added in the UI is live at once). Pass `request` to read it once
    per request when a page, its filters and its serializer all need it.
    """
    memo = None
    if request is not None:
        holder = getattr(request, "_request", request)  # DRF wraps the Django request
        memo = holder.__dict__.setdefault("_shangji_custom_fields", {})
        if (entity, include_inactive) in memo:
            return memo[(entity, include_inactive)]
    fields = CustomField.objects.filter(entity=entity).select_related("required_from_stage")
    if not include_inactive:
        fields = fields.filter(is_active=True)
    result = list(fields.order_by("sequence", "id"))
    if memo is not None:
        memo[(entity, include_inactive)] = result
    return result


# --- parsing: any input (form, API, rule action) → the stored JSON value, or None for "unset" -------------------

def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw)


def parse_value(field: CustomField, raw: Any) -> Any:
    """The storage form of `raw` for `field`, None when empty; CustomValueError with a Chinese sentence."""
    if is_empty(raw):
        return None
    return _PARSERS[field.field_type](field, raw)


def field_label(field: CustomField) -> str:
    """The label in the page's language: the English name under English when sales ops gave one."""
    if field.label_en and (translation.get_language() or "").startswith("en"):
        return field.label_en
    return field.label


def _label(field: CustomField) -> dict:
    return {"label": field_label(field)}


def _parse_text(field: CustomField, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise CustomValueError(_("“%(label)s”需要填写文本。") % _label(field))
    text = clean_text(raw)
    if len(text) > TEXT_MAX_LENGTH:
        raise CustomValueError(_("“%(label)s”最多 %(max)s 个字。") % {**_label(field), "max": TEXT_MAX_LENGTH})
    return text


def _decimal(field: CustomField, raw: Any, message: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise CustomValueError(message % _label(field))
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise CustomValueError(message % _label(field)) from None
    if not value.is_finite():
        raise CustomValueError(message % _label(field))
    return value


def _parse_number(field: CustomField, raw: Any) -> int | float:
    value = _decimal(field, raw, _("“%(label)s”需要填写数字。"))
    if abs(value) >= NUMBER_LIMIT:
        raise CustomValueError(_("“%(label)s”超出可填写的范围。") % _label(field))
    if value == value.to_integral_value():
        return int(value)
    if len(value.normalize().as_tuple().digits) > 15:
        raise CustomValueError(_("“%(label)s”的有效数字太多（最多 15 位）。") % _label(field))
    return float(value)


def _parse_money(field: CustomField, raw: Any) -> str:
    value = _decimal(field, raw, _("“%(label)s”需要填写金额，如 12800.00。"))
    if value != value.quantize(Decimal("0.01")):
        raise CustomValueError(_("“%(label)s”最多两位小数。") % _label(field))
    if abs(value) >= MONEY_LIMIT:
        raise CustomValueError(_("“%(label)s”超出可填写的范围。") % _label(field))
    return str(value.quantize(Decimal("0.01")))


def _parse_date(field: CustomField, raw: Any) -> str:
    if isinstance(raw, date):
        return raw.isoformat()[:10]  # a datetime keeps its date
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        if not _DATE_PATTERN.match(text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CustomValueError(_("“%(label)s”需要填写日期，格式如 2025-03-31。") % _label(field)) from None


def _choices_text(field: CustomField) -> str:
    return _("、").join(field.choices)


def _parse_choice(field: CustomField, raw: Any) -> str:
    value = raw.strip() if isinstance(raw, str) else raw
    if value not in field.choices:
        raise CustomValueError(_("“%(label)s”只能选择：%(choices)s。") % {**_label(field),
                                                                        "choices": _choices_text(field)})
    return value


def _parse_multi_choice(field: CustomField, raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple | set):
        raise CustomValueError(_("“%(label)s”需要一个选项列表。") % _label(field))
    values = {item.strip() if isinstance(item, str) else item for item in raw}
    unknown = [item for item in values if item not in field.choices]
    if unknown:
        raise CustomValueError(_("“%(label)s”只能选择：%(choices)s。") % {**_label(field),
                                                                        "choices": _choices_text(field)})
    return [choice for choice in field.choices if choice in values]


def _parse_user(field: CustomField, raw: Any) -> int:
    from shangji.org.models import User

    value = getattr(raw, "pk", raw)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or \
            not User.objects.filter(pk=value, is_active=True).exists():
        raise CustomValueError(_("“%(label)s”需要选择一位在职的用户。") % _label(field))
    return value


def _parse_boolean(field: CustomField, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
    if text in _TRUE_TEXT:
        return True
    if text in _FALSE_TEXT:
        return False
    raise CustomValueError(_("“%(label)s”只能填写是或否。") % _label(field))


_PARSERS = {
    CustomFieldType.TEXT: _parse_text,
    CustomFieldType.NUMBER: _parse_number,
    CustomFieldType.MONEY: _parse_money,
    CustomFieldType.DATE: _parse_date,
    CustomFieldType.CHOICE: _parse_choice,
    CustomFieldType.MULTI_CHOICE: _parse_multi_choice,
    CustomFieldType.USER: _parse_user,
    CustomFieldType.BOOLEAN: _parse_boolean,
}


# --- merging a write into the stored values ---------------------------------------------------------------------

@dataclass
class CustomChanges:
    """The outcome of validating a write: the new stored dict and what changed (old, new) per key."""

    values: dict
    changed: dict[str, tuple[Any, Any]] = dataclass_field(default_factory=dict)
    fields: dict[str, CustomField] = dataclass_field(default_factory=dict)

    def payload_changes(self) -> dict[str, tuple[Any, Any]]:
        """For the event payload ("changed"/"previous"): `custom.<key>` → (old, new) JSON values."""
        return {f"custom.{key}": pair for key, pair in self.changed.items()}

    def audit_changes(self) -> dict[str, tuple[str, str]]:
        """For the audit trail: `custom.<key>` → readable (old, new), user ids shown as names."""
        pairs = [(self.fields[key], old, new) for key, (old, new) in self.changed.items()]
        names = user_names(value for field, old, new in pairs if field.field_type == CustomFieldType.USER
                           for value in (old, new))
        return {f"custom.{field.key}": (display_value(field, old, user_names=names),
                                        display_value(field, new, user_names=names))
                for field, old, new in pairs}


def custom_values_apply(*, entity: str, current: dict | None, given: dict | None, stage=None,
                        fields: list[CustomField] | None = None) -> CustomChanges:
    """Validate `given` and merge it into `current` (given keys replace, others are kept).

    Unknown keys are refused; inactive fields keep their stored value and refuse a different one; the result must
    hold every required field (and, for a deal, every field required from `stage` on). Raises one
    ValidationError({"custom": [...]}) naming every bad field by its label; nothing is changed then.
    """
    catalog = {field.key: field for field in (fields if fields is not None
                                             else custom_fields_for(entity, include_inactive=True))}
    current = dict(current or {})
    values = dict(current)
    errors: list[str] = []
    if given is not None and not isinstance(given, dict):
        raise ValidationError({"custom": [_("自定义字段需要是一个对象，以字段键为键，如 budget_source。")]})
    for key, raw in (given or {}).items():
        field = catalog.get(key)
        if field is None:
            errors.append(_("没有名为“%(key)s”的自定义字段。") % {"key": key})
            continue
        if key in current and raw == current[key]:
            continue  # unchanged: an option removed since, or an inactive field sent back as it was
        if not field.is_active:
            if not (key not in current and is_empty(raw)):
                errors.append(_("“%(label)s”已停用，不能修改。") % _label(field))
            continue
        try:
            value = parse_value(field, raw)
        except CustomValueError as error:
            errors.append(str(error))
            continue
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    if not errors:
        errors = [_required_message(field, stage) for field in _missing(catalog.values(), values, stage)]
    if errors:
        raise ValidationError({"custom": errors})
    changed = {key: (current.get(key), values.get(key)) for key in sorted(set(current) | set(values))
               if current.get(key) != values.get(key)}
    return CustomChanges(values=values, changed=changed, fields=catalog)


def required_at_stage(field: CustomField, stage) -> bool:
    """A2: a deal at or past the field's stage (by sequence) needs it — except a lost deal, which stops there."""
    start = field.required_from_stage
    return (start is not None and stage is not None and not stage.is_lost
            and stage.sequence >= start.sequence)


def _missing(fields: Iterable[CustomField], values: dict, stage) -> list[CustomField]:
    return [field for field in fields if field.is_active and (field.required or required_at_stage(field, stage))
            and is_empty(values.get(field.key))]


def _required_message(field: CustomField, stage) -> str:
    if not field.required and field.required_from_stage is not None:
        return _("商机进入“%(stage)s”及之后的阶段时必须填写“%(label)s”。") % {
            **_label(field), "stage": field.required_from_stage.name}
    return _("请填写“%(label)s”。") % _label(field)


def missing_required_custom_fields(*, opportunity, stage) -> list[CustomField]:
    """The active opportunity fields the deal lacks to be at `stage`: required ones, and those required from a stage
    at or before `stage` (by sequence; a lost stage requires nothing). Stage gates call this on a move."""
    fields = custom_fields_for(CustomFieldEntity.OPPORTUNITY)
    return _missing(fields, opportunity.custom or {}, stage)


# --- reading and display -------------------------------------------------------------------------------------------

def custom_value(record, key: str, *, field: CustomField | None = None) -> Any:
    """The value of custom field `key` on `record` as Python: str, Decimal (number and money), date, list[str],
    int (user id) or bool; None when unset or when no such field exists. Rule conditions read values this way."""
    stored = (record.custom or {}).get(key)
    if stored is None:
        return None
    if field is None:
        field = CustomField.objects.filter(entity=entity_of(record), key=key).first()
        if field is None:
            return None
    return to_python(field, stored)


def to_python(field: CustomField, stored: Any) -> Any:
    if stored is None:
        return None
    try:
        if field.field_type in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
            return Decimal(str(stored))
        if field.field_type == CustomFieldType.DATE:
            return date.fromisoformat(stored)
        if field.field_type == CustomFieldType.MULTI_CHOICE:
            return list(stored) if isinstance(stored, list) else [stored]
    except (InvalidOperation, TypeError, ValueError):
        return None  # a value written before a type change is unreadable, not fatal
    return stored


def user_names(ids: Iterable[Any]) -> dict[int, str]:
    """Display names of the given user ids, in one query."""
    from shangji.org.models import User

    wanted = {value for value in ids if isinstance(value, int) and not isinstance(value, bool)}
    if not wanted:
        return {}
    return {user.pk: user.display_name for user in User.objects.filter(pk__in=wanted).only("name", "username")}


def display_value(field: CustomField, stored: Any, *, user_names: dict[int, str] | None = None) -> str:
    """A readable text for a stored value ("" when unset): money as ¥1,234.50, users by name, lists joined."""
    value = to_python(field, stored)
    if value is None:
        return ""
    kind = field.field_type
    if kind == CustomFieldType.MONEY:
        return f"¥{value:,.2f}"
    if kind == CustomFieldType.NUMBER:
        return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value:,f}"
    if kind == CustomFieldType.DATE:
        return value.isoformat()
    if kind == CustomFieldType.MULTI_CHOICE:
        return _("、").join(str(item) for item in value)
    if kind == CustomFieldType.BOOLEAN:
        return _("是") if value else _("否")
    if kind == CustomFieldType.USER:
        return (user_names or {}).get(value, f"#{value}")
    return str(value)


def export_value(field: CustomField, stored: Any, *, user_names: dict[int, str] | None = None) -> str:
    """A CSV cell: numbers and money stay plain numbers (Excel sums them); the rest as displayed."""
    value = to_python(field, stored)
    if value is None:
        return ""
    if field.field_type == CustomFieldType.MONEY:
        return f"{value:.2f}"
    if field.field_type == CustomFieldType.NUMBER:
        return str(stored)
    return display_value(field, stored, user_names=user_names)


@dataclass(frozen=True)
class CustomRow:
    """One line of a detail page: the field, its readable text and, for multi-choice, the items (badges)."""

    field: CustomField
    text: str
    items: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return field_label(self.field)


def custom_rows(records: list, *, entity: str, request=None) -> dict[int, list[CustomRow]]:
    """Detail rows per record id: every active field (blank when unset), plus inactive fields that hold a value."""
    fields = custom_fields_for(entity, include_inactive=True, request=request)
    names = user_names((record.custom or {}).get(field.key) for record in records for field in fields
                       if field.field_type == CustomFieldType.USER)
    rows: dict[int, list[CustomRow]] = {}
    for record in records:
        stored = record.custom or {}
        rows[record.pk] = [
            CustomRow(field=field, text=display_value(field, stored.get(field.key), user_names=names),
                      items=tuple(to_python(field, stored.get(field.key)) or ())
                      if field.field_type == CustomFieldType.MULTI_CHOICE else ())
            for field in fields if field.is_active or stored.get(field.key) is not None
        ]
    return rows


def export_columns(entity: str, *, request=None):
    """(headers, cells) for CSV exports: one column per active field, headed by its label;
    `cells(custom_dict)` gives that row's cells."""
    from shangji.org.models import User

    fields = custom_fields_for(entity, request=request)
    names: dict[int, str] = {}
    if any(field.field_type == CustomFieldType.USER for field in fields):
        names = {user.pk: user.display_name for user in User.objects.only("name", "username")}

    def cells(stored: dict | None) -> list[str]:
        stored = stored or {}
        return [export_value(field, stored.get(field.key), user_names=names) for field in fields]

    return [field.label for field in fields], cells


def custom_field_labels(entity: str) -> dict[str, str]:
    """`custom.<key>` → label, for audit trails (inactive fields included: history outlives them)."""
    return {f"custom.{key}": label for key, label in
            CustomField.objects.filter(entity=entity).values_list("key", "label")}
