"""Bootstrap classes for every form and filter form, so templates stay plain."""

from django import forms
from django.utils.translation import gettext_lazy as _


def style_fields(form: forms.BaseForm, *, small: bool = False) -> forms.BaseForm:
    size = " form-control-sm" if small else ""
    select_size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
            css = "form-select" + select_size
        else:
            css = "form-control" + size
        widget.attrs.setdefault("class", css)
    return form


class TriStateSelect(forms.Select):
    """All / yes / no for optional boolean filters (instead of Django's "unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])

    def format_value(self, value):
        known = {True: ["true"], False: ["false"], "True": ["true"], "False": ["false"]}
        return known.get(value, super().format_value(value))


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


def clean_period(form: forms.BaseForm, data: dict, *, default: str, longest_days: int | None = None) -> dict:
    """A report's period filter in `clean()`: no period means `default`; "custom" needs a start and an end, in
    order, and at most `longest_days` days apart when given."""
    data["period"] = data.get("period") or default
    if data["period"] != "custom":
        return data
    start, end = data.get("start"), data.get("end")
    if "start" not in form.errors and not start:
        form.add_error("start", _("自定义期间请填写开始日期。"))
    if "end" not in form.errors and not end:
        form.add_error("end", _("自定义期间请填写结束日期。"))
    if start and end and end < start:
        form.add_error("end", _("结束日期不能早于开始日期。"))
    if longest_days and start and end and (end - start).days + 1 > longest_days:
        form.add_error("end", _("自定义期间最长 %(n)s 天，请缩短日期范围。") % {"n": longest_days})
    return data
