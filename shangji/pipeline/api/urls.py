from rest_framework.routers import SimpleRouter

from shangji.pipeline.api.views import (
    LostReasonViewSet,
    OpportunityViewSet,
    PipelineViewSet,
    StageChangeViewSet,
    StageViewSet,
)

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("stage-changes", StageChangeViewSet, basename="stagechange")
router.register("stages", StageViewSet, basename="stage")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("lost-reasons", LostReasonViewSet, basename="lostreason")
urlpatterns = router.urls
