from django.urls import path
from rest_framework.routers import SimpleRouter

from shangji.leads.api.campaigns import CampaignViewSet, LeadIntakeView

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
urlpatterns = [
    path("leads/intake/", LeadIntakeView.as_view(), name="lead_intake"),
    *router.urls,
]
