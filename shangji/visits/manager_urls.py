"""/visits/team/ (mounted before visits/): the manager's view of visits — timeliness, authenticity, top problems."""

from django.urls import path

from shangji.visits import manager_views

app_name = "visit_manager"
urlpatterns = [
    path("", manager_views.index, name="index"),
]
