"""Form fields for record pages: each active custom field after the built-in ones, with the right widget.

Form field names are `cf_<key>`; `custom_form_values(form)` gives the dict the services take as `custom`.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.values import custom_fields_for, field_label, is_empty, required_at_stage
from shangji.core.models import CustomField, CustomFieldType
from shangji.web.forms import style_fields

PREFIX = "cf_"
_BOOLEAN_CHOICES = [("", "—"), ("true", _("是")), ("false", _("否"))]


class CheckboxList(forms.CheckboxSelectMultiple):
    """Multi-choice as inline Bootstrap checkboxes (the option inputs carry the class, not the wrapper)."""

    template_name = "core/custom_fields_checkboxes.html"
    option_template_name = "core/custom_fields_checkbox_option.html"


def _user_queryset(user, current):
    from shangji.org.models import User
    from shangji.org.selectors import user_list

    users = user_list(user=user) if user is not None else User.objects.filter(is_active=True)
    if current is not None:
        # The person already chosen stays selectable even when the editor cannot pick them anew.
        users = users | User.objects.filter(pk=current, is_active=True)
    return users.order_by("name", "username").distinct()


def form_field(field: CustomField, *, required: bool, user=None, current=None) -> forms.Field:
    """The Django form field for one custom field; `current` is the stored value (kept selectable)."""
    common = {"label": field_label(field), "required": required, "help_text": field.help_text}
    kind = field.field_type
    if kind == CustomFieldType.TEXT:
        return forms.CharField(max_length=1000, **common)
    if kind == CustomFieldType.NUMBER:
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == CustomFieldType.MONEY:
        return forms.DecimalField(decimal_places=2, max_digits=15, widget=forms.NumberInput(attrs={"step": "0.01"}),
                                  **common)
    if kind == CustomFieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    options = list(field.choices)
    for kept in (current if isinstance(current, list) else [current]):
        if kept is not None and kept not in options and kind in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE):
            options.append(kept)  # an option removed since: the stored value stays as it is
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(option, option) for option in options], **common)
    if kind == CustomFieldType.MULTI_CHOICE:
        widget = CheckboxList(attrs={"class": "form-check-input"})
        return forms.MultipleChoiceField(choices=[(option, option) for option in options], widget=widget, **common)
    if kind == CustomFieldType.USER:
        return forms.ModelChoiceField(queryset=_user_queryset(user, current), empty_label="—", **common)
    return forms.TypedChoiceField(choices=_BOOLEAN_CHOICES, coerce=lambda value: value == "true",
                                  empty_value=None, **common)


def initial_value(field: CustomField, stored):
    if stored is None:
        return None
    if field.field_type == CustomFieldType.BOOLEAN:
        return "true" if stored else "false"
    if field.field_type == CustomFieldType.MONEY:
        return Decimal(stored)
    return stored


def add_custom_form_fields(form: forms.BaseForm, *, entity: str, user=None, record=None, stage=None,
                           request=None) -> list[CustomField]:
    """Append a field per active custom field of `entity`; required when the field is required, or required from
    a stage the deal (`stage`, default the record's) has reached. Returns the catalog used."""
    fields = custom_fields_for(entity, request=request)
    stored = (getattr(record, "custom", None) or {}) if record is not None else {}
    if stage is None and record is not None:
        stage = getattr(record, "stage", None)
    for field in fields:
        current = stored.get(field.key)
        required = field.required or required_at_stage(field, stage)
        form.fields[PREFIX + field.key] = form_field(field, required=required, user=user, current=current)
        if current is not None:
            form.initial.setdefault(PREFIX + field.key, initial_value(field, current))
    style_fields(form)
    form.custom_fields = fields
    return fields


def custom_form_values(form: forms.BaseForm) -> dict:
    """The cleaned custom values as the services take them: key → value (None clears it)."""
    values = {}
    for field in getattr(form, "custom_fields", []):
        value = form.cleaned_data.get(PREFIX + field.key)
        values[field.key] = None if is_empty(value) else value
    return values


class CustomFieldsFormMixin:
    """For record forms: `Form(data, user=…, record=…, stage=…)` appends the entity's custom fields."""

    custom_entity = ""

    def __init__(self, *args, user=None, record=None, stage=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_custom_form_fields(self, entity=self.custom_entity, user=user, record=record, stage=stage,
                               request=request)

    def custom_values(self) -> dict:
        return custom_form_values(self)
