"""Reads of the notification center. Inboxes are private to their recipient; robots, webhooks and the
delivery log are configuration that only sales ops and admins read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from shangji.core.registry import setting
from shangji.notify.channels import email as email_channel
from shangji.notify.choices import PreferenceChannel
from shangji.notify.models import ChannelPreference, Delivery, Notification, RobotChannel, WebhookSubscription
from shangji.notify.services import channel_enabled


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.visible_to(user).order_by("-created_at", "-id")


def notification_get(*, user, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.visible_to(user), pk=pk)


def unread_count(*, user) -> int:
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()


def inbox_poll_seconds() -> int:
    return setting("notify.inbox_poll_seconds")


def preferences_for(*, user) -> list[dict]:
    """Each outside channel with the user's current switch (a saved choice or the default)."""
    saved = {(user.pk, channel): enabled for channel, enabled in
             ChannelPreference.objects.filter(user_id=user.pk).values_list("channel", "enabled")}
    rows = []
    for channel, label in PreferenceChannel.choices:
        available = email_channel.is_configured() if channel == PreferenceChannel.EMAIL else True
        rows.append({"channel": channel, "label": label, "enabled": channel_enabled(saved, user.pk, channel),
                     "available": available})
    return rows


def robot_list(*, user) -> QuerySet[RobotChannel]:
    return RobotChannel.objects.visible_to(user).select_related("org_unit")


def robot_get(*, user, pk: int) -> RobotChannel:
    return get_object_or_404(robot_list(user=user), pk=pk)


def webhook_list(*, user) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.visible_to(user)


def webhook_get(*, user, pk: int) -> WebhookSubscription:
    return get_object_or_404(webhook_list(user=user), pk=pk)


def delivery_list(*, user) -> QuerySet[Delivery]:
    return Delivery.objects.visible_to(user).select_related("notification", "robot", "subscription").order_by(
        "-created_at", "-id")


def delivery_get(*, user, pk: int) -> Delivery:
    return get_object_or_404(delivery_list(user=user), pk=pk)
