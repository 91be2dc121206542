"""`GET /api/visits/objection-help/?objection=<id>&customer=<id>` (V6, 黄金30分钟): the moment a rep logs an
objection, the phone shows the standard answers from the talk-track library and a success case from the same city
and industry. The phone's visit form calls this exactly in this shape."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from shangji.visits import selectors

HELP_ANSWER = inline_serializer("ObjectionHelp", {
    "objection": serializers.CharField(),
    "talk_tracks": inline_serializer("ObjectionHelpTrack", {"title": serializers.CharField(),
                                                            "answer": serializers.CharField()}, many=True),
    "case": inline_serializer("ObjectionHelpCase", {
        "customer": serializers.CharField(), "city": serializers.CharField(), "industry": serializers.CharField(),
        "summary": serializers.CharField(), "won_on": serializers.DateField(), "amount": serializers.CharField()},
        allow_null=True),
    "case_basis": serializers.CharField(help_text="同城同行业 / 同城 / 同行业, or empty without a case")})


def _id(request, name: str, errors: dict) -> int | None:
    raw = request.query_params.get(name, "")
    try:
        value = int(raw)
        if value <= 0:
            raise ValueError
        return value
    except (TypeError, ValueError):
        errors[name] = [_("缺少或无效的编号。")]
        return None


class ObjectionHelpView(APIView):
    """Talk tracks of the objection and a local success case for the customer (404 when the customer is not
    visible to the caller)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("objection", int, required=True),
                               OpenApiParameter("customer", int, required=True)], responses={200: HELP_ANSWER})
    def get(self, request):
        errors: dict[str, list[str]] = {}
        objection, customer = _id(request, "objection", errors), _id(request, "customer", errors)
        if errors:
            raise ValidationError(errors)
        return Response(selectors.objection_help(user=request.user, objection_id=objection, customer_id=customer))
