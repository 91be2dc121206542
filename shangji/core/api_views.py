from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from shangji.core.api import Pagination, error_response
from shangji.core.customfields.api import CustomFieldSerializer
from shangji.core.customfields.definitions import custom_field_create, custom_field_set_active, custom_field_update
from shangji.core.models import CustomField


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


class ConfiguresOrReads(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.can_configure


class CustomFieldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """A2 custom field definitions. Everyone signed in reads them (API clients learn the `custom` keys);
    sales ops and admins create and edit them. `PATCH {"is_active": false}` deactivates; nothing is deleted."""

    serializer_class = CustomFieldSerializer
    pagination_class = Pagination
    queryset = CustomField.objects.select_related("required_from_stage").order_by("entity", "sequence", "id")
    filterset_fields = ["entity", "is_active"]

    def get_permissions(self):
        return [permissions.IsAuthenticated(), ConfiguresOrReads()]

    def perform_create(self, serializer):
        serializer.instance = custom_field_create(actor=self.request.user, entity=serializer.validated_data.get(
            "entity", ""), definition=serializer.definition())

    def perform_update(self, serializer):
        field = serializer.instance
        if "entity" in serializer.validated_data and serializer.validated_data["entity"] != field.entity or \
                "key" in serializer.validated_data and serializer.validated_data["key"] != field.key:
            raise ValidationError({"key": [_("字段的对象与字段键创建后不能修改。")]})
        if set(serializer.validated_data) - {"is_active", "entity", "key"}:
            field = custom_field_update(field=field, actor=self.request.user, definition=serializer.definition())
        if "is_active" in serializer.validated_data:
            field = custom_field_set_active(field=field, actor=self.request.user,
                                            is_active=serializer.validated_data["is_active"])
        serializer.instance = field
