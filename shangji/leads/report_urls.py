"""/leads/report/ (mounted before leads/ in shangji/urls.py)."""

from django.urls import path

from shangji.leads import report_views

app_name = "lead_report"
urlpatterns = [
    path("", report_views.lead_report, name="index"),
]
