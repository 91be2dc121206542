"""Notification API: the caller's own inbox; webhook subscriptions and the delivery log for sales ops and
admins. Writes go through services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from shangji.notify import selectors, services
from shangji.notify.api.serializers import DeliverySerializer, NotificationSerializer, WebhookSubscriptionSerializer
from shangji.notify.filtersets import DeliveryFilterSet, NotificationFilterSet


class CanConfigure(BasePermission):
    message = _("只有销售运营和管理员可以管理通知渠道。")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.can_configure)


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first (nobody reads another user's inbox)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object(), actor=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("ReadAll", {"updated": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None, pagination_class=None)
    def read_all(self, request):
        return Response({"updated": services.notification_mark_all_read(user=request.user)})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count", filterset_class=None, pagination_class=None)
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})


class WebhookSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                                 mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Outside systems subscribed to events (A3). DELETE deactivates (the delivery log keeps its rows)."""

    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [IsAuthenticated, CanConfigure]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.webhook_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.webhook_subscription_create(
            actor=self.request.user, name=data["name"], url=data["url"], secret=data["secret"],
            event_types=data["event_types"])
        if data.get("is_active") is False:
            serializer.instance = services.webhook_subscription_deactivate(subscription=serializer.instance,
                                                                           actor=self.request.user)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.webhook_subscription_update(
            subscription=serializer.instance, actor=self.request.user, name=data.get("name"), url=data.get("url"),
            secret=data.get("secret"), event_types=data.get("event_types"), is_active=data.get("is_active"))

    def perform_destroy(self, instance):
        services.webhook_subscription_deactivate(subscription=instance, actor=self.request.user)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a signed `webhook.test` delivery to this subscription; its outcome shows in the delivery log."""
        delivery = services.webhook_subscription_test(subscription=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log: every e-mail, robot message and webhook call with its attempts and last error."""

    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
    permission_classes = [IsAuthenticated, CanConfigure]

    def get_queryset(self):
        return selectors.delivery_list(user=self.request.user)

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def retry(self, request, pk=None):
        """A failed delivery is sent again (same idempotency key, a fresh round of attempts)."""
        delivery = services.delivery_retry(delivery=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data)
