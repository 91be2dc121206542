from django.urls import path

from shangji.todos import views

app_name = "todos"
urlpatterns = [
    path("", views.task_list_page, name="list"),
    path("new/", views.task_create_page, name="create"),
    path("<int:pk>/edit/", views.task_edit_page, name="edit"),
    path("<int:pk>/status/", views.task_set_status, name="set_status"),
    path("for/<str:entity>/<int:entity_id>/", views.record_panel, name="record"),
]
