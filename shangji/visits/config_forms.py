"""Forms of the /settings/visits/ editors. Lenient on purpose: the services check every value and say what is
wrong in Chinese; the forms only carry the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.visits.choices import Risk
from shangji.web.forms import StyledForm


class SignalKindForm(StyledForm):
    label = forms.CharField(label=_("名称"), max_length=100, error_messages={"required": _("请填写信号名称。")})
    code = forms.CharField(label=_("代码"), max_length=100, required=False,
                           help_text=_("英文小写、数字或下划线，如 stock_out；"
                                       "自动化规则和统计按代码识别信号，创建后不能修改。"))
    risk = forms.ChoiceField(label=_("风险等级"), choices=Risk.choices,
                             help_text=_("“高”风险信号按内置规则给负责人生成待办；“机会”是加单、动销好等好消息。"))
    words = forms.CharField(label=_("触发词"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                            help_text=_("一行一个，或用逗号、顿号、空格分隔。备注中出现这些词（前面没有“不”“没有”等否定词）"
                                        "或拜访标签正好是这些词时记为此信号。"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True


class ObjectionForm(StyledForm):
    name = forms.CharField(label=_("异议名称"), max_length=100, error_messages={"required": _("请填写异议名称。")},
                           help_text=_("业务员在拜访记录中选择的客户异议，如“价格太高”“已有供应商”。"))
    is_active = forms.BooleanField(label=_("启用（出现在业务员的选择列表中）"), required=False, initial=True)


class TalkTrackForm(StyledForm):
    title = forms.CharField(label=_("话术标题"), max_length=200, error_messages={"required": _("请填写话术标题。")})
    answer = forms.CharField(label=_("话术内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                             error_messages={"required": _("请填写话术内容。")})


COST_RANGE = _("所需积分须为 1 到 1000000 之间的整数。")


class RewardForm(StyledForm):
    name = forms.CharField(label=_("奖励名称"), max_length=200, error_messages={"required": _("请填写奖励名称。")})
    description = forms.CharField(label=_("说明"), max_length=400, required=False,
                                  help_text=_("兑换后如何兑现，如“由主管安排 2 课时产品培训”。"))
    cost = forms.IntegerField(label=_("所需积分"), min_value=1, max_value=1_000_000, error_messages={
        "required": _("请填写所需积分。"), "invalid": _("所需积分须为整数。"),
        "min_value": COST_RANGE, "max_value": COST_RANGE})
    is_active = forms.BooleanField(label=_("可兑换"), required=False, initial=True)
