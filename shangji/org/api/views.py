from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from shangji.org.models import User


class MeSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", default=None, read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    sees_whole_company = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "phone", "role", "role_display", "org_unit", "org_unit_name",
                  "sees_whole_company"]


class MeView(APIView):
    """The signed-in user."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
