from django.urls import path

from shangji.core.api_views import TokenView

urlpatterns = [path("token/", TokenView.as_view(), name="token")]
