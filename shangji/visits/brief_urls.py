"""/visits/brief/ (mounted before visits/): the weekly brief 《我的客户洞察简报》."""

from django.urls import path

from shangji.visits import brief_views as views

app_name = "visit_brief"
urlpatterns = [
    path("", views.brief_index, name="index"),
    path("<int:pk>/", views.brief_detail, name="detail"),
    path("generate/", views.brief_generate, name="generate"),
]
