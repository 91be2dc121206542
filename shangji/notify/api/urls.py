from rest_framework.routers import SimpleRouter

from shangji.notify.api.views import DeliveryViewSet, NotificationViewSet, WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("deliveries", DeliveryViewSet, basename="delivery")
urlpatterns = router.urls
