from django.urls import path
from rest_framework.routers import SimpleRouter

from shangji.visits.api.help import ObjectionHelpView
from shangji.visits.api.views import VisitViewSet

router = SimpleRouter()
router.register("visits", VisitViewSet, basename="visit")
# Before the router's urls: its detail route would take "objection-help" for a visit id.
urlpatterns = [path("visits/objection-help/", ObjectionHelpView.as_view(), name="visit-objection-help"),
               *router.urls]
