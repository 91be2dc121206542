from django.urls import path

from shangji.leads import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("<int:pk>/", views.lead_detail, name="detail"),
]
