from django.urls import path

from shangji.leads import campaign_views

app_name = "campaigns"
urlpatterns = [
    path("", campaign_views.campaign_list_page, name="list"),
    path("new/", campaign_views.campaign_create_page, name="create"),
    path("<int:pk>/", campaign_views.campaign_detail_page, name="detail"),
    path("<int:pk>/edit/", campaign_views.campaign_edit_page, name="edit"),
    path("<int:pk>/status/", campaign_views.campaign_set_status, name="set_status"),
    path("<int:pk>/qr.png", campaign_views.campaign_qr_png, name="qr_png"),
    path("<int:pk>/qr.svg", campaign_views.campaign_qr_svg, name="qr_svg"),
]
