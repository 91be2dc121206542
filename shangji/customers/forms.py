from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.forms import CustomFieldsFormMixin
from shangji.customers.choices import Attitude, DecisionRole, Grade, InteractionKind, Scale
from shangji.customers.models import Industry
from shangji.org.selectors import cities
from shangji.web.forms import StyledForm


class CustomerForm(CustomFieldsFormMixin, StyledForm):
    custom_entity = "customer"
    name = forms.CharField(label=_("客户名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=40, required=False)
    phone = forms.CharField(label=_("电话"), max_length=40, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=120, required=False)
    industry = forms.ModelChoiceField(label=_("行业"), queryset=Industry.objects.all(), required=False)
    scale = forms.ChoiceField(label=_("规模"), choices=[("", "—")] + Scale.choices, required=False)
    grade = forms.ChoiceField(label=_("等级"), choices=Grade.choices, initial=Grade.C)
    city = forms.ModelChoiceField(label=_("地市"), required=False,
                                  queryset=cities())
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    duplicate_override_reason = forms.CharField(label=_("重复创建理由"), max_length=500, required=False,
                                                widget=forms.Textarea(attrs={"rows": 2}))


class ContactForm(CustomFieldsFormMixin, StyledForm):
    custom_entity = "contact"
    name = forms.CharField(label=_("姓名"), max_length=40)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    mobile = forms.CharField(label=_("手机"), max_length=40, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=120, required=False)
    wechat = forms.CharField(label=_("微信"), max_length=60, required=False)
    decision_role = forms.ChoiceField(label=_("决策角色"), choices=DecisionRole.choices, initial=DecisionRole.USER)
    attitude = forms.ChoiceField(label=_("态度"), choices=Attitude.choices, initial=Attitude.UNKNOWN)
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)


class InteractionForm(StyledForm):
    kind = forms.ChoiceField(label=_("方式"), choices=InteractionKind.choices)
    summary = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(StyledForm):
    duplicate = forms.IntegerField(label=_("被合并客户ID"))
    reason = forms.CharField(label=_("合并理由"), max_length=500)
