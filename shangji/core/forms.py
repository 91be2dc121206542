"""Configuration forms of the core app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.definitions import FieldDefinition
from shangji.core.models import CustomFieldEntity, CustomFieldType
from shangji.web.forms import StyledForm


class CustomFieldForm(StyledForm):
    """A2: define a custom field. Choices are typed one per line; the key is fixed once the field exists."""

    label = forms.CharField(label=_("字段名称"), max_length=40)
    label_en = forms.CharField(label=_("英文名称"), max_length=60, required=False)
    key = forms.CharField(label=_("字段键"), max_length=40, required=False,
                          help_text=_("API、导出与规则中使用的标识，小写英文字母、数字和下划线。留空则由英文名称生成"
                                      "（没有英文名称时为 f 加编号）。创建后不能修改。"))
    field_type = forms.ChoiceField(label=_("类型"), choices=CustomFieldType.choices)
    choices = forms.CharField(label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("单选、多选字段填写，每行一个选项。"))
    required = forms.BooleanField(label=_("必填"), required=False)
    required_from_stage = forms.ModelChoiceField(label=_("从此阶段起必填"), required=False, queryset=None,
                                                 empty_label=_("不限"),
                                                 help_text=_("商机到达该阶段（及之后的阶段）时必须填写。"))
    help_text = forms.CharField(label=_("填写说明"), max_length=200, required=False)

    def __init__(self, *args, entity: str, field=None, type_locked: bool = False, **kwargs):
        from shangji.pipeline.models import Stage

        if field is not None:
            kwargs.setdefault("initial", {
                "label": field.label, "label_en": field.label_en, "key": field.key, "field_type": field.field_type,
                "choices": "\n".join(field.choices), "required": field.required,
                "required_from_stage": field.required_from_stage_id, "help_text": field.help_text})
        super().__init__(*args, **kwargs)
        self.entity = entity
        if entity == CustomFieldEntity.OPPORTUNITY:
            self.fields["required_from_stage"].queryset = Stage.objects.filter(is_active=True, is_won=False,
                                                                               is_lost=False)
        else:
            del self.fields["required_from_stage"]
        if field is not None:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("字段键创建后不能修改。")
        if type_locked:
            self.fields["field_type"].disabled = True
            self.fields["field_type"].help_text = _("已有记录填写了该字段，类型不能再修改。")

    def definition(self) -> FieldDefinition:
        data = self.cleaned_data
        stage = data.get("required_from_stage")
        return FieldDefinition(
            label=data["label"], label_en=data["label_en"], key=data["key"], field_type=data["field_type"],
            choices=tuple(line for line in data["choices"].splitlines() if line.strip()),
            required=data["required"], required_from_stage_id=stage.pk if stage else None,
            help_text=data["help_text"])
