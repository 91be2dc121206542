"""Forms of the campaign pages and of the public lead form (L1)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.customers.models import Industry
from shangji.leads.choices import Budget, Channel
from shangji.leads.intake import HONEYPOT_FIELD
from shangji.leads.services import UTM_KEYS
from shangji.web.forms import StyledForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(StyledForm):
    """Create or edit a campaign; the service validates again (dates in order, cost not negative)."""

    name = forms.CharField(label=_("活动名称"), max_length=100,
                           error_messages={"required": _("请填写活动名称。"),
                                           "max_length": _("活动名称最多 %(limit_value)s 个字。")})
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices,
                                error_messages={"required": _("请选择渠道。"), "invalid_choice": _("请选择渠道。")})
    industry = forms.ModelChoiceField(label=_("目标行业"), queryset=Industry.objects.none(), required=False,
                                      empty_label=_("不限"),
                                      error_messages={"invalid_choice": _("请从列表中选择行业。")})
    description = forms.CharField(label=_("表单说明"), max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("显示在扫码表单标题下方，例如“留下联系方式，领取行业白皮书”。"),
                                  error_messages={"max_length": _("表单说明最多 %(limit_value)s 个字。")})
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE_INPUT,
                                error_messages={"invalid": _("日期格式不正确，例如 2026-11-17。")})
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=DATE_INPUT,
                              error_messages={"invalid": _("日期格式不正确，例如 2026-11-17。")})
    cost = forms.DecimalField(label=_("活动费用（元）"), required=False, min_value=0, max_digits=14, decimal_places=2,
                              error_messages={"invalid": _("活动费用需要是金额，例如 12000.00。"),
                                              "min_value": _("活动费用不能小于 0。"),
                                              "max_digits": _("活动费用过大。"),
                                              "max_decimal_places": _("活动费用最多两位小数。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.order_by("sequence", "name")


class PublicLeadForm(forms.Form):
    """The phone-first form behind the QR code. Field checks beyond "required" are the service's (lead_values),
    so the form, the API and imports give the same answers."""

    name = forms.CharField(label=_("姓名"), max_length=40,
                           error_messages={"required": _("请填写姓名。"), "max_length": _("姓名最多 40 个字。")})
    company = forms.CharField(label=_("公司"), max_length=200, required=False)
    phone = forms.CharField(label=_("手机"), max_length=30,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
                            error_messages={"required": _("请填写手机号码，方便顾问联系您。"),
                                            "max_length": _("手机号码过长。")})
    email = forms.CharField(label=_("邮箱"), max_length=120, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    city = forms.CharField(label=_("所在城市"), max_length=40, required=False)
    industry = forms.ChoiceField(label=_("行业"), required=False)
    need = forms.CharField(label=_("需求描述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.ChoiceField(label=_("预算范围"), required=False,
                               choices=[("", _("请选择")), *(choice for choice in Budget.choices if choice[0])],
                               error_messages={"invalid_choice": _("请从列表中选择预算范围。")})
    consent = forms.BooleanField(label=_("我同意贵公司就本次咨询与我联系，并按隐私政策处理我提交的信息"),
                                 error_messages={"required": _("请勾选同意联系，我们才能与您联系。")})
    page_seconds = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", _("请选择")), *((name, name) for name in
                                                              Industry.objects.order_by("sequence", "name")
                                                              .values_list("name", flat=True))]
        self.fields["industry"].error_messages["invalid_choice"] = _("请从列表中选择行业。")
        # Bots fill every input; people never see this one.
        self.fields[HONEYPOT_FIELD] = forms.CharField(required=False, widget=forms.TextInput(attrs={
            "tabindex": "-1", "autocomplete": "off"}))
        for key in UTM_KEYS:
            self.fields[key] = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput) or name == HONEYPOT_FIELD:
                continue
            css = ("form-check-input" if isinstance(widget, forms.CheckboxInput)
                   else "form-select form-select-lg" if isinstance(widget, forms.Select)
                   else "form-control form-control-lg")
            widget.attrs.setdefault("class", css)
