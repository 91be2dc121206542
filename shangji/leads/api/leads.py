"""`/api/leads/`: the leads the caller may see (O2), manual entry and the workspace actions.
Querysets come from selectors (visible_to); every write goes through a service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from shangji.core.api import error_response
from shangji.core.customfields.api import CustomValuesField
from shangji.core.visibility import can_change
from shangji.customers.api.serializers import MatchCandidateSerializer
from shangji.customers.selectors import customer_list
from shangji.customers.services import DuplicateSuspected
from shangji.leads import selectors, services
from shangji.leads.choices import ArchiveReason, Source, TouchKind
from shangji.leads.conversion import lead_convert
from shangji.leads.filtersets import LeadFilterSet
from shangji.leads.models import Lead
from shangji.org.choices import Role


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class LeadSerializer(serializers.ModelSerializer):
    owner = OwnerSerializer(read_only=True, allow_null=True)
    industry = serializers.CharField(source="industry.name", default=None, read_only=True)
    city = serializers.CharField(source="city.name", default=None, read_only=True)
    region = serializers.CharField(source="region.name", default=None, read_only=True)
    custom = CustomValuesField(entity="lead", read_only=True)

    class Meta:
        model = Lead
        fields = ["id", "name", "company", "phone", "phone_valid", "email", "title", "need", "budget", "industry",
                  "scale", "city", "region", "source", "campaign", "channel", "utm", "tags", "score",
                  "score_explanation", "owner", "team", "status", "assignment_reason", "assigned_at",
                  "first_contact_at", "silent_since", "archive_reason", "custom", "created_at", "converted_at",
                  "customer", "opportunity"]
        read_only_fields = fields


class LeadCreateSerializer(serializers.Serializer):
    """Manual entry: the fields a person types. Names of industry and city as in the vocabularies."""

    name = serializers.CharField(max_length=40)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    need = serializers.CharField(required=False, allow_blank=True, default="")
    budget = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    industry = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                     help_text=gettext_lazy("行业名称，如“制造业”"))
    scale = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                 help_text=gettext_lazy("地市名称，如“上海”"))
    consent = serializers.BooleanField(required=False, default=False)
    campaign = serializers.PrimaryKeyRelatedField(queryset=selectors.campaign_choices(), required=False,
                                                  allow_null=True, default=None)
    utm = serializers.DictField(child=serializers.CharField(max_length=200), required=False, default=dict)
    custom = CustomValuesField(entity="lead")


class AssignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text=gettext_lazy("新负责人的用户ID"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TouchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TouchKind.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ArchiveReason.choices)


class ConvertSerializer(serializers.Serializer):
    customer = serializers.IntegerField(required=False, allow_null=True, default=None,
                                        help_text=gettext_lazy("关联的已有客户ID；不填则新建客户"))
    opportunity_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True,
                                      default=None)
    duplicate_override_reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Leads the caller may see, in priority order (score, then newest) unless `ordering` says otherwise."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet

    def get_queryset(self):
        return selectors.priority_order(selectors.lead_list(user=self.request.user))

    def _detail(self, lead: Lead, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.lead_list(user=self.request.user).filter(pk=lead.pk).first() or lead
        return Response(LeadSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=LeadCreateSerializer, responses={201: LeadSerializer})
    def create(self, request, *args, **kwargs):
        """Manual entry: a rep's lead is theirs; anyone else's goes through the assignment chain."""
        body = LeadCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        campaign = data.pop("campaign")
        owner = request.user if request.user.role == Role.REP else None
        lead, _created = services.lead_capture(source=Source.MANUAL, data=services.LeadInput(**data),
                                               campaign=campaign, actor=request.user, owner=owner)
        return self._detail(lead, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def claim(self, request, pk=None):
        """A rep takes a queued lead of their team; two claims at once → exactly one wins."""
        lead = self.get_object()
        try:
            services.lead_claim(lead=lead, actor=request.user)
        except services.AlreadyClaimed as error:
            return error_response("already_claimed", error.messages[0], status.HTTP_409_CONFLICT)
        return self._detail(lead)

    @extend_schema(request=AssignSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request, pk=None):
        lead = self.get_object()
        if not services.can_assign(request.user, lead):
            raise PermissionDenied
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = selectors.assignable_users(user=request.user).filter(pk=body.validated_data["owner"]).first()
        if owner is None:
            raise ApiValidationError({"owner": [_("不能把线索分配给该用户。")]})
        services.lead_assign_to(lead=lead, actor=request.user, owner=owner, note=body.validated_data["note"])
        return self._detail(lead)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def recycle(self, request, pk=None):
        """L7: take a silent lead back and run the assignment chain again (someone else gets it)."""
        lead = self.get_object()
        services.lead_recycle(lead=lead, actor=request.user)
        return self._detail(lead)

    @extend_schema(request=TouchSerializer, responses={201: LeadSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def touch(self, request, pk=None):
        """Record a contact; the first one stops the first-response clock (L5)."""
        lead = self.get_object()
        body = TouchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.lead_touch(lead=lead, actor=request.user, **body.validated_data)
        return self._detail(lead, status.HTTP_201_CREATED)

    @extend_schema(request=ArchiveSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def archive(self, request, pk=None):
        lead = self.get_object()
        body = ArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.lead_archive(lead=lead, actor=request.user, reason=body.validated_data["reason"])
        return self._detail(lead)

    @extend_schema(request=ConvertSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def convert(self, request, pk=None):
        """L8: customer (linked or new) + contact + opportunity. A new customer that looks like an existing one
        is refused with code `duplicate_suspected` and the candidates, unless a reason is given."""
        lead = self.get_object()
        if lead.owner_id is None or not can_change(request.user, lead.owner_id):
            raise PermissionDenied
        body = ConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = None
        customer_id = data.pop("customer")
        if customer_id is not None:
            customer = customer_list(user=request.user).filter(pk=customer_id).first()
            if customer is None:
                raise ApiValidationError({"customer": [_("客户不存在或您无权查看。")]})
        try:
            lead_convert(lead=lead, actor=request.user, customer=customer, **data)
        except DuplicateSuspected as error:
            return error_response("duplicate_suspected", error.message_dict["duplicate_override_reason"][0], 400,
                                  candidates=MatchCandidateSerializer(error.candidates, many=True).data)
        return self._detail(lead)
