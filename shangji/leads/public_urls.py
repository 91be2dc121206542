from django.http import HttpResponse
from django.urls import path

app_name = "public_leads"
urlpatterns = [path("t/<str:token>/<int:position>/", lambda r, token, position: HttpResponse(""), name="nurture_click")]
