from django.urls import path

from shangji.core import views

app_name = "core"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("fields/", views.custom_field_list, name="custom_fields"),
    path("fields/new/", views.custom_field_edit, name="custom_field_create"),
    path("fields/<int:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path("fields/<int:pk>/move/", views.custom_field_move, name="custom_field_move"),
    path("fields/<int:pk>/active/", views.custom_field_toggle, name="custom_field_toggle"),
]
