"""Forms of the lead-routing configuration pages (territories, sales profiles, the dry run)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.customers.models import Industry
from shangji.org.models import OrgUnit
from shangji.org.selectors import cities, regions
from shangji.web.forms import StyledForm


class UnitChoiceField(forms.ModelChoiceField):
    """Org units indented by depth with their level, e.g. "　　上海一组（团队）"."""

    def label_from_instance(self, unit: OrgUnit) -> str:
        return f"{'　' * max(unit.depth, 0)}{unit.name}（{unit.get_kind_display()}）"


class TerritoryForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=60)
    region = forms.ModelChoiceField(label=_("大区"), queryset=regions(), required=False, empty_label=_("不限"),
                                    error_messages={"invalid_choice": _("请选择一个大区。")})
    city = forms.ModelChoiceField(label=_("地市"), queryset=cities(), required=False, empty_label=_("不限"),
                                  error_messages={"invalid_choice": _("请选择一个地市。")})
    industry = forms.ModelChoiceField(label=_("行业"), queryset=Industry.objects.all(), required=False,
                                      empty_label=_("不限"), error_messages={"invalid_choice": _("请选择一个行业。")})
    team = UnitChoiceField(label=_("负责团队"), queryset=OrgUnit.objects.order_by("path"),
                           help_text=_("通常是团队；也可以是地市或大区，由其下所有销售分配。"),
                           error_messages={"required": _("请选择负责团队。"),
                                           "invalid_choice": _("请选择一个组织单元。")})
    is_active = forms.BooleanField(label=_("启用"), required=False)


class SalesProfileForm(StyledForm):
    accepts_leads = forms.BooleanField(label=_("接收线索"), required=False)
    lead_capacity = forms.IntegerField(label=_("在手线索上限"), required=False, min_value=1,
                                       help_text=_("留空则使用系统设置的默认上限"),
                                       error_messages={"invalid": _("请填写整数。"),
                                                       "min_value": _("在手线索上限至少为 1。")})
    work_start = forms.TimeField(label=_("上班时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                                 error_messages={"invalid": _("时间格式为 时:分，如 09:00。")})
    work_end = forms.TimeField(label=_("下班时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                               error_messages={"invalid": _("时间格式为 时:分，如 18:00。")})
    work_days = forms.CharField(label=_("工作日"), max_length=20, required=False,
                                help_text=_("1–7 表示周一到周日，如 12345；留空则使用系统设置"))
    away_until = forms.DateField(label=_("休假至"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"invalid": _("日期格式为 年-月-日。")})
    industries = forms.ModelMultipleChoiceField(label=_("擅长行业"), queryset=Industry.objects.all(), required=False,
                                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industries"].widget.attrs["class"] = "form-check-input"


class DryRunForm(StyledForm):
    city = forms.ModelChoiceField(label=_("地市"), queryset=cities(), required=False, empty_label=_("不限"),
                                  error_messages={"invalid_choice": _("请选择一个地市。")})
    region = forms.ModelChoiceField(label=_("大区"), queryset=regions(), required=False, empty_label=_("不限"),
                                    error_messages={"invalid_choice": _("请选择一个大区。")})
    industry = forms.ModelChoiceField(label=_("行业"), queryset=Industry.objects.all(), required=False,
                                      empty_label=_("不限"), error_messages={"invalid_choice": _("请选择一个行业。")})
