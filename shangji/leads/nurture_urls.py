"""/settings/nurture/: nurture sequences (L6) — list, edit with steps, switch on/off, the leads in each."""

from django.urls import path

from shangji.leads import nurture_views as views

app_name = "nurture"
urlpatterns = [
    path("", views.nurture_index, name="index"),
    path("new/", views.nurture_edit, name="create"),
    path("<int:pk>/", views.nurture_detail, name="detail"),
    path("<int:pk>/edit/", views.nurture_edit, name="edit"),
    path("<int:pk>/activate/", views.nurture_activate, name="activate"),
    path("<int:pk>/deactivate/", views.nurture_deactivate, name="deactivate"),
]
