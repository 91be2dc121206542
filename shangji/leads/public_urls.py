from django.urls import path

from shangji.leads import public_views

app_name = "public_leads"
urlpatterns = [
    path("t/<str:token>/<int:position>/", public_views.public_nurture_click, name="nurture_click"),
    path("<str:code>/", public_views.public_form, name="form"),
    path("<str:code>/thanks/", public_views.public_thanks, name="thanks"),
]
