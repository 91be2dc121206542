"""/settings/routing/: territories, sales profiles and the assignment dry run (L4)."""

from django.urls import path

from shangji.org import config_views as views

app_name = "routing"
urlpatterns = [
    path("", views.routing_index, name="index"),
    path("territories/new/", views.territory_edit, name="territory_create"),
    path("territories/<int:pk>/", views.territory_edit, name="territory_edit"),
    path("territories/<int:pk>/active/", views.territory_toggle, name="territory_toggle"),
    path("profiles/<int:user_pk>/", views.profile_edit, name="profile_edit"),
    path("dry-run/", views.dry_run, name="dry_run"),
]
