"""Settings of the notification center and its delivery channels (DESIGN rule 6)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.core.registry import register

SECONDS = pgettext_lazy("unit", "秒")

register("notify.retry_base_seconds", "int", 10, _("投递重试基础间隔"),
         _("投递失败后按指数退避重试：第 n 次失败后等待 基础间隔 × 2^(n-1)。"), spec="A3", unit=SECONDS,
         minimum=1, maximum=3600)
register("notify.max_attempts", "int", 6, _("投递最多尝试次数"),
         _("达到此次数仍失败的投递标为“失败”，可在投递记录中手动重试。"), spec="A3", minimum=1, maximum=20)
register("notify.http_timeout_seconds", "float", 5.0, _("投递超时"),
         _("等待群机器人或 Webhook 接收方（以及邮件服务器）响应的最长时间，超时记为失败。"), spec="A3",
         unit=SECONDS, minimum=0.1, maximum=60)
register("notify.sending_lease_seconds", "int", 30, _("发送租约"),
         _("投递处于“发送中”超过此时间（工作进程被终止）时，由定时巡检重新排队。应大于投递超时。"),
         spec="A3", unit=SECONDS, minimum=2, maximum=86400)
register("notify.inbox_poll_seconds", "int", 20, _("未读数刷新间隔"),
         _("导航栏铃铛上的未读通知数每隔多少秒刷新一次。"), spec="A3", unit=SECONDS, minimum=5, maximum=3600)
register("notify.email_default_on", "bool", True, _("默认接收邮件通知"),
         _("用户未自行设置时，是否把通知同时发到其邮箱。"), spec="A3")
register("notify.robot_default_on", "bool", True, _("默认接收群机器人通知"),
         _("用户未自行设置时，是否把通知推送到其所在组织的企业微信/钉钉/飞书群机器人。"), spec="A3")
