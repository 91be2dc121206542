from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shangji.notify.channels.base import mask_secret
from shangji.notify.models import Delivery, Notification, WebhookSubscription


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "entity", "entity_id", "source", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(write_only=True, min_length=16, max_length=200,
                                   help_text=_("签名密钥（只写）：接收方用它校验 X-Shangji-Signature。"))
    secret_hint = serializers.SerializerMethodField(help_text=_("密钥的前几位，用于核对。"))
    url = serializers.CharField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=60), allow_empty=False, max_length=50,
        help_text=_("事件名列表，如 opportunity.stage_changed、opportunity.*；* 表示全部。"))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "secret", "secret_hint", "event_types", "is_active", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]

    def get_secret_hint(self, obj) -> str:
        return mask_secret(obj.secret)


class DeliverySerializer(serializers.ModelSerializer):
    notification_title = serializers.CharField(source="notification.title", default=None, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "channel", "target", "notification", "notification_title", "robot", "subscription", "event",
                  "payload", "idempotency_key", "status", "attempts", "next_attempt_at", "last_error",
                  "last_status_code", "delivered_at", "created_at"]
        read_only_fields = fields

