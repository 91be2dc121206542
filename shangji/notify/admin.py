"""Django admin for the notification center: read-mostly views and a retry action on the delivery log.

Robots and webhook subscriptions are configured on /notifications/channels/ (through the services, so every
change is audited and secrets are never shown); the admin lists them without their secrets."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from shangji.notify.choices import DeliveryStatus
from shangji.notify.models import ChannelPreference, Delivery, Notification, RobotChannel, WebhookSubscription
from shangji.notify.services import delivery_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "title", "source", "created_at", "read_at"]
    list_filter = ["source"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "channel", "enabled"]
    list_filter = ["channel", "enabled"]


@admin.register(RobotChannel)
class RobotChannelAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "org_unit", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    exclude = ["secret", "webhook_url"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["name", "event_types", "is_active", "created_at"]
    list_filter = ["is_active"]
    exclude = ["secret"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "target", "status", "attempts", "last_status_code", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["target", "idempotency_key"]
    actions = ["retry_failed"]

    @admin.action(description=_("重试所选的失败投递"))
    def retry_failed(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                delivery_retry(delivery=delivery, actor=request.user)
            except PermissionDenied:
                self.message_user(request, _("只有销售运营和管理员可以重试投递。"), messages.ERROR)
                return
            except ValidationError:
                continue  # changed state since the page was shown
            retried += 1
        self.message_user(request, _("已重新排队 %(n)s 条投递。") % {"n": retried}, messages.SUCCESS)
