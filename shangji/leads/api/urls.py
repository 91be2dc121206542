from django.urls import include, path

urlpatterns = [
    path("", include("shangji.leads.api.campaign_urls")),
    path("", include("shangji.leads.api.lead_urls")),
]
