"""A2 custom fields: the one place that knows the field types.

Sales ops define fields per entity (customer, contact, opportunity) on /settings/fields/; the values live in the
record's `custom` JSON column, keyed by `CustomField.key`. The storage format is also the API format:

    type          stored as                                          example
    text          string, trimmed, at most 1,000 characters          "代理商转介"
    number        JSON number (an integer when whole)                12, 3.5
    money         string with exactly two decimals (Decimal, never a float)   "128000.00"
    date          "YYYY-MM-DD"                                       "2025-03-31"
    choice        one of the field's choices                         "公开招标"
    multi_choice  list of choices, in the order the field lists them ["ERP", "MES"]
    user          id of an active user                               42
    boolean       true / false                                       true

An unset value is an absent key (the API shows it as null). Unknown keys are refused; values of deactivated fields
stay stored but cannot be changed. Every write goes through `custom_values_apply` (called by the entity services),
which raises one ValidationError({"custom": [...]}) whose sentences name the field label, so nothing half-written.

Modules: `values` (catalog, parsing, required checks, display), `definitions` (services that create and edit
fields), `forms` (form fields for record pages), `filters` (list filters), `api` (serializer field + schema).
"""

from shangji.core.customfields.values import (
    CustomChanges,
    CustomRow,
    CustomValueError,
    custom_field_labels,
    custom_fields_for,
    custom_rows,
    custom_value,
    custom_values_apply,
    display_value,
    entity_of,
    export_columns,
    field_label,
    missing_required_custom_fields,
    parse_value,
)

__all__ = [
    "CustomChanges", "CustomRow", "CustomValueError", "custom_field_labels", "custom_fields_for", "custom_rows",
    "custom_value", "custom_values_apply", "display_value", "entity_of", "export_columns", "field_label",
    "missing_required_custom_fields", "parse_value",
]
