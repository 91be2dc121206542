from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.pipeline.models import LostReason, Stage
from shangji.web.forms import StyledForm


class OpportunityForm(StyledForm):
    name = forms.CharField(label=_("商机名称"), max_length=120)
    customer = forms.IntegerField(label=_("客户ID"), widget=forms.HiddenInput)
    stage = forms.ModelChoiceField(label=_("阶段"), required=False, empty_label=None,
                                   queryset=Stage.objects.filter(is_active=True, is_won=False, is_lost=False))
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    expected_close_date = forms.DateField(label=_("预计成交日期"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("说明"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class OpportunityEditForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("商机名称"), max_length=120)
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
