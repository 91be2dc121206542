"""Forms of the pipeline configuration pages (/settings/pipelines/). Validation lives in config_services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.customers.choices import InteractionKind, Scale
from shangji.pipeline.choices import GateField, GateKind, QuestionType
from shangji.pipeline.models import DeliverableKind, FormTemplate, Pipeline, Stage
from shangji.web.forms import StyledForm


class StageConfigForm(StyledForm):
    name = forms.CharField(label=_("阶段名称"), max_length=30)
    name_en = forms.CharField(label=_("英文名称"), max_length=40, required=False)
    sequence = forms.IntegerField(label=_("顺序"), min_value=0, help_text=_("数字小的在前；流程内的顺序在流程中设置。"))
    probability = forms.IntegerField(label=_("默认赢率%"), min_value=0, max_value=100)
    outcome = forms.ChoiceField(label=_("阶段类型"), choices=[("open", _("进行中")), ("won", _("赢单")),
                                                         ("lost", _("输单"))], initial="open",
                                help_text=_("创建后不能修改。"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class PipelineConfigForm(StyledForm):
    name = forms.CharField(label=_("流程名称"), max_length=40)
    customer_scales = forms.MultipleChoiceField(label=_("适用客户规模"), choices=Scale.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple,
                                                help_text=_("都不选表示任意规模。"))
    max_amount = forms.DecimalField(label=_("金额上限（元）"), max_digits=14, decimal_places=2, required=False,
                                    min_value=0, help_text=_("留空表示不限金额。"))
    priority = forms.IntegerField(label=_("优先级"), min_value=0, initial=50,
                                  help_text=_("新商机按优先级从小到大匹配第一个符合的流程；都不符合时用默认流程。"))
    is_default = forms.BooleanField(label=_("默认流程"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_scales"].widget.attrs["class"] = "form-check-input"


class GateConfigForm(StyledForm):
    stage = forms.ModelChoiceField(label=_("离开的阶段"), queryset=Stage.objects.filter(is_won=False, is_lost=False),
                                   help_text=_("推进离开该阶段（或跳过它）时检查。"))
    pipeline = forms.ModelChoiceField(label=_("销售流程"), queryset=Pipeline.objects.all(), required=False,
                                      empty_label=_("所有流程"))
    kind = forms.ChoiceField(label=_("检查类型"), choices=GateKind.choices)
    field_name = forms.ChoiceField(label=_("商机字段"), choices=[("", "—"), *GateField.choices], required=False)
    custom_field_key = forms.ChoiceField(label=_("自定义字段"), required=False)
    deliverable_kind = forms.ModelChoiceField(label=_("交付物类型"), queryset=DeliverableKind.objects.filter(
        is_active=True), required=False, empty_label="—")
    form_template = forms.ModelChoiceField(label=_("表单"), queryset=FormTemplate.objects.filter(is_active=True),
                                           required=False, empty_label="—")
    interaction_kind = forms.ChoiceField(label=_("跟进方式"), choices=[("", "—"), *InteractionKind.choices],
                                         required=False)
    label = forms.CharField(label=_("检查项名称"), max_length=80, required=False,
                            help_text=_("留空则按类型自动生成，如“上传技术方案”。"))
    sequence = forms.IntegerField(label=_("顺序"), min_value=0, initial=10)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, custom_fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custom_field_key"].choices = [("", _("按“从此阶段起必填”的自定义字段")), *custom_fields]


class DeliverableKindForm(StyledForm):
    name = forms.CharField(label=_("交付物名称"), max_length=40)
    code = forms.CharField(label=_("代码"), max_length=40, help_text=_("英文标识，如 solution_doc；创建后不能修改。"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class FormTemplateForm(StyledForm):
    name = forms.CharField(label=_("表单名称"), max_length=60, help_text=_("如《客户需求清单》。"))
    code = forms.CharField(label=_("代码"), max_length=40, help_text=_("英文标识，如 customer_needs；创建后不能修改。"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


QUESTION_TYPES = QuestionType.choices
