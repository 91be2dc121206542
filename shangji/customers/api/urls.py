from rest_framework.routers import SimpleRouter

from shangji.customers.api.views import ContactViewSet, CustomerViewSet, InteractionViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("interactions", InteractionViewSet, basename="interaction")
urlpatterns = router.urls
