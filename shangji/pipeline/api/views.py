"""Pipeline API. PATCH with `stage` moves the deal (writing its StageChange); other fields edit it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from shangji.core.api import Conflict
from shangji.core.visibility import can_change
from shangji.customers.api.views import assignable_owner
from shangji.customers.selectors import customer_list
from shangji.pipeline import selectors, services
from shangji.pipeline.api.serializers import (
    LostReasonSerializer,
    OpportunitySerializer,
    StageChangeSerializer,
    StageSerializer,
)
from shangji.pipeline.filtersets import OpportunityFilterSet, StageChangeFilterSet


def _lines(data) -> list[services.LineInput] | None:
    if "lines" not in data:
        return None
    return [services.LineInput(product_id=line["product"].pk, quantity=line["quantity"],
                               unit_price=line.get("unit_price")) for line in data["lines"]]


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Opportunities the caller may see (O2)."""

    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.opportunity_list(user=self.request.user).prefetch_related("lines__product")

    def perform_create(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        customer = customer_list(user=user).filter(pk=data["customer"].pk).first()
        if customer is None:
            raise ApiValidationError({"customer": [_("客户不存在或您无权查看。")]})
        serializer.instance = services.opportunity_create(
            actor=user, customer=customer, name=data["name"], amount=data.get("amount"), stage=data.get("stage"),
            owner=assignable_owner(actor=user, owner_id=data.get("owner_id")),
            expected_close_date=data.get("expected_close_date"), description=data.get("description", ""),
            lines=_lines(data),
        )

    def perform_update(self, serializer):
        opportunity = serializer.instance
        user = self.request.user
        if not can_change(user, opportunity.owner_id):
            raise PermissionDenied
        data = serializer.validated_data
        if "customer" in data and data["customer"].pk != opportunity.customer_id:
            raise ApiValidationError({"customer": [_("商机的客户不能更改。")]})
        version = data.get("version")
        try:
            if "stage" in data and data["stage"].pk != opportunity.stage_id:
                opportunity = services.opportunity_move(
                    opportunity=opportunity, actor=user, to_stage=data["stage"], version=version,
                    lost_reason=data.get("lost_reason"), lost_note=data.get("lost_note", ""),
                    note=data.get("note", ""))
                version = None  # the move bumped the version; the same request may edit fields too
            edits = {key: data[key] for key in ("name", "amount", "description") if key in data}
            if "expected_close_date" in data:
                edits["expected_close_date"] = data["expected_close_date"]
            if "owner_id" in data:
                edits["owner"] = assignable_owner(actor=user, owner_id=data["owner_id"])
            if edits or "lines" in data:
                opportunity = services.opportunity_update(opportunity=opportunity, actor=user, version=version,
                                                          lines=_lines(data), **edits)
        except services.StaleVersion as error:
            raise Conflict(str(error)) from None
        serializer.instance = selectors.opportunity_get(user=user, pk=opportunity.pk)

    @extend_schema(responses=StageChangeSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def history(self, request, pk=None):
        """P4: every stage transition of this deal, oldest first."""
        opportunity = self.get_object()
        return Response(StageChangeSerializer(selectors.stage_history(opportunity=opportunity), many=True).data)


class StageChangeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """P4: transitions across visible deals — e.g. `?is_regression=true&from_stage=5&to_stage=3&since=…`."""

    serializer_class = StageChangeSerializer
    filterset_class = StageChangeFilterSet

    def get_queryset(self):
        return selectors.stage_changes_visible(user=self.request.user).order_by("-changed_at", "-id")


class StageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pipeline stages (configuration data, P1)."""

    serializer_class = StageSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.stage_list()


class LostReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LostReasonSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.lost_reason_list()
