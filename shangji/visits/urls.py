"""/visits/: the rep's phone pages (PWA): today's plan, check-in, the visit form, the offline queue."""

from django.urls import path

from shangji.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.today, name="today"),
    path("data.json", views.data, name="data"),
    path("customers/", views.customers, name="customers"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]
