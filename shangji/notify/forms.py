import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.notify.choices import RobotKind
from shangji.org.models import OrgUnit
from shangji.web.forms import StyledForm


class RobotForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("平台"), choices=RobotKind.choices)
    org_unit = forms.ModelChoiceField(label=_("适用组织"), queryset=OrgUnit.objects.all(),
                                      help_text=_("该组织及其下级的人员的通知发到此群；下级组织有自己的机器人时以下级为准。"))
    webhook_url = forms.CharField(label=_("Webhook 地址"), max_length=500,
                                  help_text=_("在群设置 → 群机器人 → 添加自定义机器人后复制。"))
    secret = forms.CharField(label=_("签名密钥"), max_length=200, required=False,
                             widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                             help_text=_("钉钉“加签”或飞书“签名校验”的密钥；企业微信不需要。"))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["secret"].help_text = _("留空则保持原密钥不变。")
            self.fields["clear_secret"] = forms.BooleanField(
                label=_("清除签名密钥（改为不签名）"), required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class WebhookForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=60)
    url = forms.CharField(label=_("接收地址"), max_length=500, help_text=_("以 https:// 开头的地址。"))
    event_types = forms.CharField(
        label=_("订阅事件"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个或用逗号分隔，如 opportunity.stage_changed、opportunity.*；* 表示全部事件。"))
    secret = forms.CharField(label=_("签名密钥"), max_length=200, min_length=16,
                             help_text=_("接收方用它校验 X-Shangji-Signature；请复制保存，保存后不再显示。"))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["secret"] = forms.CharField(
                label=_("签名密钥"), max_length=200, min_length=16, required=False,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=_("留空则保持原密钥不变。"))
            self.fields["secret"].widget.attrs.setdefault("class", "form-control")
        elif not self.is_bound:
            self.initial.setdefault("secret", secrets.token_urlsafe(32))
