"""A3 notifications: the in-app inbox, per-user channel switches, group robots, webhook subscriptions
and the delivery log through which everything leaves the system (with retries)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shangji.notify.choices import DeliveryChannel, DeliveryStatus, PreferenceChannel, RobotKind


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """An inbox is private: not even admins or managers read someone else's notifications."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient_id=user.pk)


class ConfigurationQuerySet(models.QuerySet):
    def visible_to(self, user) -> ConfigurationQuerySet:
        """Robots, webhooks and the delivery log are configuration: sales ops and admins only (A2)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self if user.can_configure else self.none()


class Notification(models.Model):
    """One message in one user's notification center."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("接收人"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内路径，如 /opportunities/12/"))
    entity = models.CharField(_("对象类型"), max_length=40, blank=True)
    entity_id = models.BigIntegerField(_("对象ID"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=40, blank=True, help_text=_("如 rule:12、task"))
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelPreference(models.Model):
    """A user's switch for one outside channel; no row = the default from the settings registry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences", verbose_name=_("用户"))
    channel = models.CharField(_("渠道"), max_length=10, choices=PreferenceChannel.choices)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["user", "channel"]
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="channelpreference_unique")]
        verbose_name = _("通知渠道偏好")
        verbose_name_plural = _("通知渠道偏好")

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}={'on' if self.enabled else 'off'}"


class RobotChannel(models.Model):
    """A group robot (WeCom / DingTalk / Feishu). Notifications for users in `org_unit`'s subtree go to it;
    for each kind the robot of the nearest ancestor unit wins."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("平台"), max_length=10, choices=RobotKind.choices)
    webhook_url = models.CharField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True,
                              help_text=_("钉钉“加签”或飞书“签名校验”的密钥；留空表示不签名。"))
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="robot_channels",
                                 verbose_name=_("适用组织"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"))

    objects = ConfigurationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "kind"], condition=models.Q(is_active=True),
                                               name="robotchannel_one_active_per_unit_kind")]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.name}"


class WebhookSubscription(models.Model):
    """An outside system that receives signed JSON for the events it subscribes to."""

    name = models.CharField(_("名称"), max_length=60)
    url = models.CharField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=200)
    event_types = models.JSONField(_("订阅事件"), default=list,
                                   help_text=_("事件名列表，如 opportunity.stage_changed；* 表示全部。"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"))

    objects = ConfigurationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")

    def __str__(self) -> str:
        return self.name

    def matches(self, event_name: str) -> bool:
        for pattern in self.event_types or []:
            if pattern == "*" or pattern == event_name:
                return True
            if pattern.endswith(".*") and event_name.startswith(pattern[:-1]):
                return True
        return False


class Delivery(models.Model):
    """One message to one outside receiver, retried until delivered or out of attempts.

    The idempotency key is fixed when the row is written and sent with every attempt, so a receiver can
    drop repeats. Secrets are read from the robot/subscription at send time and never stored here.
    """

    channel = models.CharField(_("渠道"), max_length=10, choices=DeliveryChannel.choices)
    target = models.CharField(_("接收方"), max_length=500, help_text=_("邮箱地址或（隐去密钥的）地址"))
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="deliveries", verbose_name=_("通知"))
    robot = models.ForeignKey(RobotChannel, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="deliveries", verbose_name=_("群机器人"))
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="deliveries", verbose_name=_("Webhook 订阅"))
    event = models.ForeignKey("core.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("事件"))
    payload = models.JSONField(_("发送内容"), default=dict)
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    # Pending: when the next attempt is due. Sending: when the worker's lease ends (after that the
    # sweep assumes the worker died and hands the row back).
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    last_error = models.CharField(_("最近错误"), max_length=1000, blank=True)
    last_status_code = models.PositiveIntegerField(_("最近状态码"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)

    objects = ConfigurationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                condition=models.Q(status__in=["pending", "sending"]), name="delivery_due_idx")]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")

    def __str__(self) -> str:
        return f"{self.channel} → {self.target} [{self.status}]"
