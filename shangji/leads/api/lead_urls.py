from rest_framework.routers import SimpleRouter

from shangji.leads.api.leads import LeadViewSet

router = SimpleRouter()
router.register("leads", LeadViewSet, basename="lead")
urlpatterns = router.urls
