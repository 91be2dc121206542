from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.forms import CustomFieldsFormMixin
from shangji.pipeline.models import LostReason, Pipeline, Stage
from shangji.web.forms import StyledForm


class OpportunityForm(CustomFieldsFormMixin, StyledForm):
    custom_entity = "opportunity"
    name = forms.CharField(label=_("商机名称"), max_length=120)
    customer = forms.IntegerField(label=_("客户ID"), widget=forms.HiddenInput)
    stage = forms.ModelChoiceField(label=_("阶段"), required=False, empty_label=None,
                                   queryset=Stage.objects.filter(is_active=True, is_won=False, is_lost=False))
    pipeline = forms.ModelChoiceField(label=_("销售流程"), required=False, empty_label=_("自动（按客户规模与金额）"),
                                      queryset=Pipeline.objects.filter(is_active=True))  # P3
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    expected_close_date = forms.DateField(label=_("预计成交日期"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("说明"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class OpportunityEditForm(CustomFieldsFormMixin, StyledForm):
    custom_entity = "opportunity"
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("商机名称"), max_length=120)
    pipeline = forms.ModelChoiceField(label=_("销售流程"), required=False, empty_label=None,
                                      queryset=Pipeline.objects.filter(is_active=True),
                                      help_text=_("更换流程时，当前阶段须在新流程中。"))  # P3
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    expected_close_date = forms.DateField(label=_("预计成交日期"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("说明"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class MoveForm(StyledForm):
    stage = forms.ModelChoiceField(label=_("新阶段"), queryset=Stage.objects.filter(is_active=True))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lost_reason = forms.ModelChoiceField(label=_("输单原因"), required=False,
                                         queryset=LostReason.objects.filter(is_active=True))
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
