"""/settings/pipelines/: stages, pipelines, stage gates, deliverable kinds and questionnaires (P2/P3)."""

from django.urls import path

from shangji.pipeline import config_views as views

app_name = "pipeline_config"
urlpatterns = [
    path("", views.config_index, name="index"),
    path("stages/new/", views.stage_edit, name="stage_create"),
    path("stages/<int:pk>/", views.stage_edit, name="stage_edit"),
    path("pipelines/new/", views.pipeline_edit, name="pipeline_create"),
    path("pipelines/<int:pk>/", views.pipeline_edit, name="pipeline_edit"),
    path("gates/new/", views.gate_edit, name="gate_create"),
    path("gates/<int:pk>/", views.gate_edit, name="gate_edit"),
    path("gates/<int:pk>/toggle/", views.gate_toggle, name="gate_toggle"),
    path("deliverables/new/", views.deliverable_edit, name="deliverable_create"),
    path("deliverables/<int:pk>/", views.deliverable_edit, name="deliverable_edit"),
    path("forms/new/", views.form_template_edit, name="form_create"),
    path("forms/<int:pk>/", views.form_template_edit, name="form_edit"),
]
