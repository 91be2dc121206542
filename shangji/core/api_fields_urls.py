from rest_framework.routers import SimpleRouter

from shangji.core.api_views import CustomFieldViewSet

router = SimpleRouter()
router.register("custom-fields", CustomFieldViewSet, basename="custom-field")
urlpatterns = router.urls
