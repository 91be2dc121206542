from rest_framework.routers import SimpleRouter

from shangji.automation.api.views import RuleRunViewSet, RuleViewSet

router = SimpleRouter()
router.register("rules", RuleViewSet, basename="rule")
router.register("rule-runs", RuleRunViewSet, basename="rule-run")
urlpatterns = router.urls
