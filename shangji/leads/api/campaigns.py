"""Campaign API (list/retrieve for everyone signed in; create/update/close/reopen for campaign managers) and
the public intake API (L1): a partner system or website back end posts leads with the campaign's key.

The intake answers only {"id", "status"}: never the owner, the score or anything else internal."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from shangji.core.errors import error_dict
from shangji.customers.models import Industry
from shangji.leads import intake
from shangji.leads.choices import CampaignStatus, Channel, Source
from shangji.leads.models import Campaign
from shangji.leads.services import CampaignClosed, campaign_create, campaign_update, can_manage_campaigns, lead_capture

FIELDS = ("name", "channel", "industry", "description", "starts_on", "ends_on", "cost")


class CampaignManagersWrite(permissions.BasePermission):
    """Reading for everyone signed in; writing for marketing, sales ops, directors and admins."""

    message = gettext_lazy("只有市场、销售运营、销售总监和管理员可以管理市场活动。")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or can_manage_campaigns(request.user)


class CampaignSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, label=gettext_lazy("渠道"),
                                      error_messages={"invalid_choice": gettext_lazy("请选择渠道。")})
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.order_by("sequence"), required=False, allow_null=True, label=gettext_lazy("目标行业"),
        error_messages={"does_not_exist": gettext_lazy("行业不存在。"),
                        "incorrect_type": gettext_lazy("行业需要是行业ID。")})
    industry_name = serializers.CharField(source="industry.name", default=None, read_only=True)
    lead_count = serializers.IntegerField(read_only=True)
    converted_count = serializers.IntegerField(read_only=True)
    form_url = serializers.SerializerMethodField(help_text=gettext_lazy("扫码表单的完整地址"))
    qr_png_url = serializers.SerializerMethodField()
    qr_svg_url = serializers.SerializerMethodField()
    intake_key = serializers.CharField(read_only=True,
                                       help_text=gettext_lazy("接入密钥；只返回给可以管理市场活动的用户。"))

    class Meta:
        model = Campaign
        fields = ["id", "name", "channel", "status", "description", "industry", "industry_name", "starts_on",
                  "ends_on", "cost", "lead_count", "converted_count", "form_url", "qr_png_url", "qr_svg_url",
                  "intake_key", "created_by", "created_at", "updated_at"]
        read_only_fields = ["status", "created_by", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"error_messages": {"required": gettext_lazy("请填写活动名称。"),
                                        "blank": gettext_lazy("请填写活动名称。")}},
            "description": {"required": False},
            "cost": {"error_messages": {"invalid": gettext_lazy("活动费用需要是金额，例如 12000.00。")}},
        }

    def _links(self, campaign) -> dict[str, str]:
        cache = self.context.setdefault("links", {})
        if campaign.pk not in cache:
            cache[campaign.pk] = intake.campaign_links(campaign, self.context["request"])
        return cache[campaign.pk]

    def get_form_url(self, campaign) -> str:
        return self._links(campaign)["form_url"]

    def get_qr_png_url(self, campaign) -> str:
        return self._links(campaign)["qr_png_url"]

    def get_qr_svg_url(self, campaign) -> str:
        return self._links(campaign)["qr_svg_url"]

    def to_representation(self, campaign):
        data = super().to_representation(campaign)
        if not can_manage_campaigns(self.context["request"].user):
            data.pop("intake_key", None)
        return data


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Campaigns (L1) with their lead counts, form link and QR code links."""

    serializer_class = CampaignSerializer
    permission_classes = [CampaignManagersWrite]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = intake.campaign_list(user=self.request.user)
        wanted = self.request.query_params.get("status")
        if self.action == "list" and wanted in CampaignStatus.values:
            queryset = queryset.filter(status=wanted)
        return queryset

    def _answer(self, campaign, status_code=status.HTTP_200_OK):
        fresh = intake.campaign_get(user=self.request.user, pk=campaign.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = campaign_create(actor=request.user, **{key: data[key] for key in FIELDS if key in data})
        return self._answer(campaign, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        serializer = self.get_serializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = campaign_update(campaign=campaign, actor=request.user,
                                   **{key: data[key] for key in FIELDS if key in data})
        return self._answer(campaign)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """End the campaign: its form and intake key stop taking leads (410)."""
        return self._answer(campaign_update(campaign=self.get_object(), actor=request.user,
                                            status=CampaignStatus.CLOSED))

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._answer(campaign_update(campaign=self.get_object(), actor=request.user,
                                            status=CampaignStatus.ACTIVE))


# ---------------------------------------------------------------------------------------------------------
# Public intake


class LeadIntakeSerializer(serializers.Serializer):
    """Documentation of the intake body; the view parses it with the same code as the public form."""

    campaign_key = serializers.CharField(required=False, help_text=gettext_lazy("也可放在 X-Campaign-Key 请求头"))
    name = serializers.CharField(help_text=gettext_lazy("姓名（必填）"))
    company = serializers.CharField(required=False)
    phone = serializers.CharField(required=False, help_text=gettext_lazy("手机；格式不正确时仍会保存并标记"))
    email = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    city = serializers.CharField(required=False, help_text=gettext_lazy("城市名称，例如“上海”"))
    industry = serializers.CharField(required=False, help_text=gettext_lazy("行业名称"))
    need = serializers.CharField(required=False)
    budget = serializers.CharField(required=False, help_text=gettext_lazy("lt10、10-50、50-100、gt100 或其中文名称"))
    scale = serializers.CharField(required=False)
    consent = serializers.BooleanField(required=False)
    page_seconds = serializers.IntegerField(required=False)
    downloads = serializers.IntegerField(required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False)
    utm_source = serializers.CharField(required=False)
    utm_medium = serializers.CharField(required=False)
    utm_campaign = serializers.CharField(required=False)
    utm_term = serializers.CharField(required=False)
    utm_content = serializers.CharField(required=False)
    custom = serializers.DictField(required=False)


RECEIVED = inline_serializer("LeadIntakeReceived", {"id": serializers.IntegerField(allow_null=True),
                                                    "status": serializers.CharField()})


def _answer(status_code: int, body: dict) -> JsonResponse:
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


def _error(status_code: int, code: str, message: str, **extra) -> JsonResponse:
    return _answer(status_code, {"code": code, "detail": message, **extra})


class LeadIntakeView(APIView):
    """POST a lead for a campaign. 201 new, 200 the same Idempotency-Key again; 400 bad fields, 404 unknown
    key, 410 closed campaign, 413 body over 16 KB, 415 not JSON, 429 too many submissions.

    The busiest endpoint, and the only one without a user: it is served by plain Django (`dispatch`), without
    DRF's request wrapping, content negotiation and rendering, which cost a fifth of its CPU and do nothing for
    JSON in, JSON out. It stays an APIView so that the API schema documents it (`post` below)."""

    authentication_classes: list = []  # the campaign key authenticates; no session, so no CSRF
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            answer = _error(405, "method_not_allowed", _("只接受 POST 请求。"))
            answer["Allow"] = "POST"
            return answer
        return self.post(request)

    @extend_schema(request=LeadIntakeSerializer, parameters=[
        OpenApiParameter("X-Campaign-Key", str, OpenApiParameter.HEADER, description=gettext_lazy("活动接入密钥")),
        OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                         description=gettext_lazy("同一活动内相同的键只创建一条线索")),
    ], responses={201: RECEIVED, 200: RECEIVED, 400: OpenApiResponse(description=gettext_lazy("字段有误")),
                  404: OpenApiResponse(description=gettext_lazy("活动不存在或密钥错误")),
                  410: OpenApiResponse(description=gettext_lazy("活动已结束")),
                  413: OpenApiResponse(description=gettext_lazy("提交内容过大")),
                  415: OpenApiResponse(description=gettext_lazy("请求内容不是 JSON")),
                  429: OpenApiResponse(description=gettext_lazy("提交过于频繁"))})
    def post(self, request):
        if intake.body_too_large(request):
            return _error(413, "too_large", intake.too_large_message())
        if request.content_type != "application/json":
            return _error(415, "unsupported_media_type", _("请求内容需要是 JSON（Content-Type: application/json）。"))
        ip = intake.client_ip(request)
        try:
            body = json.loads(request.body.decode(request.encoding or "utf-8"), parse_constant=_no_constants)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, NaN/Infinity, or nested thousands deep
            body = None
        if not isinstance(body, dict):
            return _error(400, "invalid_json", _("请求内容需要是 JSON 对象。"))
        key = request.headers.get("X-Campaign-Key") or body.get("campaign_key") or ""
        campaign = intake.campaign_for_key(str(key).strip())
        limited = intake.rate_limit_message(ip=ip, campaign=campaign)
        if limited:
            return _error(429, "rate_limited", limited)
        if campaign is None:
            return _error(404, "campaign_not_found", _("活动不存在或密钥错误"))
        if campaign.status != CampaignStatus.ACTIVE and not request.headers.get("Idempotency-Key"):
            return _error(410, "campaign_closed", _("该活动已结束，不再接收线索。"))
        parsed = intake.lead_input(body)
        if parsed.honeypot:
            return _answer(201, {"id": None, "status": "received"})
        if parsed.errors:
            return self._invalid(parsed.errors)
        try:
            lead, created = lead_capture(source=Source.API, campaign=campaign, data=parsed.data, defer=True,
                                         idempotency_key=request.headers.get("Idempotency-Key", ""))
        except CampaignClosed:
            return _error(410, "campaign_closed", _("该活动已结束，不再接收线索。"))
        except ValidationError as error:
            return self._invalid(error_dict(error))
        return _answer(201 if created else 200, {"id": lead.pk, "status": "received"})

    @staticmethod
    def _invalid(errors: dict[str, list[str]]) -> JsonResponse:
        first = next(iter(errors.values()))[0]
        return _error(400, "invalid", first, errors=errors)


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")
