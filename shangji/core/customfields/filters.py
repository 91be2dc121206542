"""List filters per active custom field, added when a FilterSet is built, so the page and `?cf_<key>=` in the API
filter the same way.

    text          cf_<key>                       contains (case-insensitive)
    number/money  cf_<key>_min, cf_<key>_max     inclusive range (money is cast from its stored string)
    date          cf_<key>_from, cf_<key>_to     inclusive range
    choice        cf_<key>                       equals
    multi_choice  cf_<key>                       includes that option
    boolean       cf_<key>=true|false            yes / no (unset matches neither)
    user          cf_<key>=<user id>             that person
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField, DecimalField, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThanOrEqual, IContains, LessThanOrEqual
from django.utils.translation import gettext as _

from shangji.core.customfields.forms import PREFIX
from shangji.core.customfields.values import custom_fields_for, field_label
from shangji.core.models import CustomField, CustomFieldType

_COLUMN = "custom"


def _text(key: str):
    return KeyTextTransform(key, _COLUMN)


def _number(key: str):
    # Money is stored as a string ("1234.50"), numbers as JSON numbers: both compare as numerics after the cast.
    return Cast(KeyTextTransform(key, _COLUMN), DecimalField(max_digits=30, decimal_places=6))


def _json_equals(queryset, key: str, value):
    # Through an alias so the value is adapted as JSON like `custom__<key>=value` (true, 42) on both databases,
    # without a key such as "in" or "contains" being read as a lookup.
    alias = f"cf_{key}_value"
    return queryset.alias(**{alias: KeyTransform(key, _COLUMN)}).filter(**{alias: value})


def _includes(queryset, key: str, value: str):
    if connection.vendor == "postgresql":
        alias = f"cf_{key}_value"
        return queryset.alias(**{alias: KeyTransform(key, _COLUMN)}).filter(**{f"{alias}__contains": [value]})
    # SQLite has no JSON containment: look for the option among the list's elements.
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    path = f'$."{key}"'  # keys are [a-z0-9_] (KEY_PATTERN), nothing to escape
    exists = RawSQL(f"EXISTS (SELECT 1 FROM json_each({table}.{_COLUMN}, %s) WHERE json_each.value = %s)",
                    (path, value), output_field=BooleanField())
    return queryset.filter(exists)


def _range_filters(field: CustomField, expression, filter_class, suffixes, labels, widget=None):
    def lower(queryset, name, value):
        return queryset.filter(GreaterThanOrEqual(expression(field.key), _prepared(field, value)))

    def upper(queryset, name, value):
        return queryset.filter(LessThanOrEqual(expression(field.key), _prepared(field, value)))

    extra = {"widget": widget} if widget is not None else {}
    return [(f"{PREFIX}{field.key}_{suffixes[0]}", filter_class(label=labels[0], method=lower, **extra)),
            (f"{PREFIX}{field.key}_{suffixes[1]}", filter_class(label=labels[1], method=upper, **extra))]


def _prepared(field: CustomField, value):
    if field.field_type == CustomFieldType.DATE:
        return Value(value.isoformat())
    return value


def _user_choices(request):
    def choices():
        from shangji.org.selectors import user_list

        users = user_list(user=getattr(request, "user", None)).order_by("name", "username")
        return [("", _("全部"))] + [(user.pk, user.display_name) for user in users]

    return choices


def filters_for(field: CustomField, *, request=None) -> list[tuple[str, django_filters.Filter]]:
    """(name, filter) pairs for one field."""
    key, label, kind = field.key, field_label(field), field.field_type
    if kind == CustomFieldType.TEXT:
        def contains(queryset, name, value):
            return queryset.filter(IContains(_text(key), value.strip())) if value.strip() else queryset

        return [(PREFIX + key, django_filters.CharFilter(label=label, method=contains))]
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        return _range_filters(field, _number, django_filters.NumberFilter, ("min", "max"),
                              (_("%(label)s（最小）") % {"label": label}, _("%(label)s（最大）") % {"label": label}))
    if kind == CustomFieldType.DATE:
        return _range_filters(field, _text, django_filters.DateFilter, ("from", "to"),
                              (_("%(label)s（起）") % {"label": label}, _("%(label)s（止）") % {"label": label}),
                              widget=forms.DateInput(attrs={"type": "date"}))
    if kind == CustomFieldType.CHOICE:
        return [(PREFIX + key, django_filters.ChoiceFilter(
            label=label, choices=[(c, c) for c in field.choices],
            method=lambda qs, name, value: qs.filter(Exact(_text(key), value))))]
    if kind == CustomFieldType.MULTI_CHOICE:
        return [(PREFIX + key, django_filters.ChoiceFilter(
            label=label, choices=[(c, c) for c in field.choices],
            method=lambda qs, name, value: _includes(qs, key, value)))]
    if kind == CustomFieldType.BOOLEAN:
        # "true"/"false" stay strings in the cleaned data, so "no" counts as an active filter (kanban totals).
        return [(PREFIX + key, django_filters.ChoiceFilter(
            label=label, choices=[("true", _("是")), ("false", _("否"))], empty_label=_("全部"),
            method=lambda qs, name, value: _json_equals(qs, key, value == "true")))]
    return [(PREFIX + key, django_filters.NumberFilter(
        label=label, widget=forms.Select(choices=_user_choices(request)),
        method=lambda qs, name, value: _json_equals(qs, key, int(value))))]


def add_custom_filters(filterset: django_filters.FilterSet, entity: str) -> None:
    """Call in `FilterSet.__init__` after `super().__init__()` and before the form is first used."""
    request = getattr(filterset, "request", None)
    model = filterset.queryset.model
    for field in custom_fields_for(entity, request=request):
        for name, filter_ in filters_for(field, request=request):
            if name in filterset.filters:
                continue  # a built-in filter of that name wins
            filter_.model, filter_.parent = model, filterset
            filterset.filters[name] = filter_
