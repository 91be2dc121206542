from django.urls import path

from shangji.core import views

app_name = "core"
urlpatterns = [path("", views.settings_page, name="settings")]
