from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from shangji.core.api import error_response


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"  # brute-force guard on password checks


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenView(APIView):
    """`POST /api/auth/token/` with username and password → `{"token": …}` for `Authorization: Token …`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequest,
                   responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request):
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            return error_response("invalid_credentials", _("用户名或密码错误。"), 400)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
