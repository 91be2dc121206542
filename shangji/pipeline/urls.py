from django.urls import path

from shangji.pipeline import views

app_name = "pipeline"
urlpatterns = [
    path("", views.opportunity_list_page, name="list"),
    path("kanban/", views.kanban, name="kanban"),
    path("export.csv", views.opportunity_export, name="export"),
    path("changes/", views.stage_change_list_page, name="changes"),
    path("new/", views.opportunity_create, name="create"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/move/", views.opportunity_move, name="move"),
]
