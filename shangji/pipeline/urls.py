from django.urls import path

from shangji.pipeline import evidence_views, views

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
    path("<int:pk>/gates/", evidence_views.gate_checklist_partial, name="gates"),
    path("<int:pk>/attachments/", evidence_views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:attachment_pk>/", evidence_views.attachment_download, name="attachment"),
    path("<int:pk>/forms/<int:template_pk>/", evidence_views.form_fill, name="form_fill"),
    path("<int:pk>/forms/submissions/<int:submission_pk>/", evidence_views.form_submission_detail,
         name="form_submission"),
    path("<int:pk>/activities/", evidence_views.activity_add, name="activity_add"),
]
