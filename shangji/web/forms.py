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
