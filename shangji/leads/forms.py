"""Forms of the leads workspace: manual entry, touch, archive, assign, convert, import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.forms import CustomFieldsFormMixin
from shangji.customers.choices import Scale
from shangji.customers.models import Industry
from shangji.leads.choices import ArchiveReason, Budget, TouchKind
from shangji.leads.selectors import campaign_choices
from shangji.org.selectors import cities
from shangji.web.forms import StyledForm


class LeadForm(CustomFieldsFormMixin, StyledForm):
    """Manual entry (L1): the fields of LeadInput plus the custom fields of entity "lead"."""

    custom_entity = "lead"
    name = forms.CharField(label=_("姓名"), max_length=40)
    company = forms.CharField(label=_("公司"), max_length=200, required=False)
    phone = forms.CharField(label=_("手机"), max_length=30, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=120, required=False)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    industry = forms.ModelChoiceField(label=_("行业"), queryset=Industry.objects.order_by("sequence", "name"),
                                      required=False, empty_label="—")
    scale = forms.ChoiceField(label=_("规模"), choices=[("", "—")] + Scale.choices, required=False)
    budget = forms.ChoiceField(label=_("预算"), choices=Budget.choices, required=False)
    city = forms.ModelChoiceField(label=_("地市"), queryset=cities(), required=False, empty_label="—")
    campaign = forms.ModelChoiceField(label=_("市场活动"), queryset=campaign_choices().filter(status="active"),
                                      required=False, empty_label="—")
    need = forms.CharField(label=_("需求描述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    consent = forms.BooleanField(label=_("同意联系"), required=False)


class TouchForm(StyledForm):
    kind = forms.ChoiceField(label=_("方式"), choices=TouchKind.choices)
    note = forms.CharField(label=_("内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ArchiveForm(StyledForm):
    reason = forms.ChoiceField(label=_("归档原因"), choices=[("", "—")] + ArchiveReason.choices,
                               error_messages={"required": _("请选择归档原因。")})


class AssignForm(StyledForm):
    owner = forms.ModelChoiceField(label=_("分配给"), queryset=None, error_messages={
        "required": _("请选择负责人。"), "invalid_choice": _("不能把线索分配给该用户。")})
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users
        self.fields["owner"].label_from_instance = lambda user: f"{user.display_name}（{user.org_unit or '—'}）"


class ConvertForm(StyledForm):
    customer = forms.IntegerField(label=_("关联已有客户"), required=False, widget=forms.HiddenInput)
    opportunity_name = forms.CharField(label=_("商机名称"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("预计金额（元）"), max_digits=14, decimal_places=2, min_value=0,
                                required=False)
    duplicate_override_reason = forms.CharField(label=_("新建客户理由"), max_length=500, required=False,
                                                widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(StyledForm):
    file = forms.FileField(label=_("文件（CSV 或 Excel .xlsx）"),
                           error_messages={"required": _("请选择要导入的文件。")})
    campaign = forms.ModelChoiceField(label=_("市场活动（可选）"), queryset=campaign_choices().filter(status="active"),
                                      required=False, empty_label="—")
