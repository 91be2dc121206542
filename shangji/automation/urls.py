from django.urls import path

from shangji.automation import views

app_name = "automation"
urlpatterns = [
    path("", views.rule_list, name="rule_list"),
    path("new/", views.rule_create_page, name="rule_create"),
    path("runs/", views.run_list, name="run_list"),
    path("<int:pk>/", views.rule_detail, name="rule_detail"),
    path("<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("<int:pk>/try/", views.rule_try, name="rule_try"),
    path("<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
]
