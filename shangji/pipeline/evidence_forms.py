"""Forms for the evidence a deal's stage gates look for: files, questionnaires, activities."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.customers.choices import InteractionKind
from shangji.pipeline.choices import QuestionType
from shangji.pipeline.models import FormTemplate
from shangji.web.forms import StyledForm, style_fields


def _kind_choices(kinds: dict[str, str], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *kinds.items()]


class AttachmentForm(StyledForm):
    kind = forms.ChoiceField(label=_("交付物类型"), required=False)
    file = forms.FileField(label=_("文件"), required=False)  # the service says what is wrong, in Chinese

    def __init__(self, *args, kinds: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(kinds, _("普通文件"))


class ActivityForm(StyledForm):
    kind = forms.ChoiceField(label=_("方式"), choices=InteractionKind.choices)
    summary = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("附件（可选）"), required=False)
    file_kind = forms.ChoiceField(label=_("附件类型"), required=False)

    def __init__(self, *args, kinds: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file_kind"].choices = _kind_choices(kinds, _("普通文件"))


def answer_form(template: FormTemplate, data=None) -> forms.Form:
    """A form with one field per question. Fields are optional here: the service checks required answers and
    types and says what is wrong in Chinese; `sj_required` only draws the red star."""
    form = forms.Form(data)
    for question in template.questions:
        kind = question.get("type", QuestionType.TEXT)
        if kind == QuestionType.CHOICE:
            field = forms.ChoiceField(choices=[("", _("请选择")), *[(c, c) for c in question.get("choices", [])]])
        elif kind == QuestionType.DATE:
            field = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}))
        elif kind == QuestionType.NUMBER:
            field = forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}))
        else:
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
        field.required = False
        field.label = question["label"]
        field.sj_required = bool(question.get("required"))
        form.fields[question["key"]] = field
    return style_fields(form)
