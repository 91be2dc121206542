"""Pipeline API. PATCH with `stage` moves the deal (writing its StageChange); other fields edit it.
A forward move whose exit checklist is unmet answers 400 `{code: "gate_not_met", message, missing}` (P2)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from shangji.core.api import Conflict, error_response
from shangji.core.attachments import attachment_add, attachments_for
from shangji.core.visibility import can_change
from shangji.customers.api.views import assignable_owner
from shangji.customers.selectors import customer_list
from shangji.pipeline import selectors, services
from shangji.pipeline.api.serializers import (
    AttachmentSerializer,
    FormSubmissionSerializer,
    GateChecklistSerializer,
    LostReasonSerializer,
    OpportunitySerializer,
    PipelineSerializer,
    StageChangeSerializer,
    StageSerializer,
)
from shangji.pipeline.filtersets import OpportunityFilterSet, StageChangeFilterSet
from shangji.pipeline.gates import GateNotMet, gate_checklist
from shangji.pipeline.models import Stage
from shangji.pipeline.pipelines import pipeline_list, with_stages


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
            lines=_lines(data), custom=data.get("custom"), pipeline=data.get("pipeline"),
        )

    @extend_schema(responses={200: OpportunitySerializer, 400: OpenApiResponse(
        description=_("输入无效；或阶段检查项未满足：code 为 gate_not_met，missing 列出缺少的项目；"
                      "或商机已冻结：code 为 frozen。"))})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except GateNotMet as blocked:  # P2: the unmet items' sentences, one per item
            return error_response("gate_not_met", blocked.messages[0], missing=blocked.missing)
        except services.OpportunityFrozen as frozen:
            return error_response("frozen", frozen.messages[0])

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
            edits = {key: data[key] for key in ("name", "amount", "description", "custom") if key in data}
            if "expected_close_date" in data:
                edits["expected_close_date"] = data["expected_close_date"]
            if "owner_id" in data:
                edits["owner"] = assignable_owner(actor=user, owner_id=data["owner_id"])
            if "pipeline" in data:
                edits["pipeline"] = data["pipeline"]  # P3: the current stage must be in it
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


    @extend_schema(responses=GateChecklistSerializer, parameters=[OpenApiParameter(
        "to_stage", int, required=True, description=_("目标阶段ID"))])
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def gates(self, request, pk=None):
        """P2: the exit checklist for moving this deal to `to_stage`, with the evidence already on file."""
        opportunity = self.get_object()
        raw = request.query_params.get("to_stage", "")
        to_stage = Stage.objects.filter(pk=raw).first() if raw.isdigit() else None
        if to_stage is None:
            raise ApiValidationError({"to_stage": [_("请指定有效的目标阶段。")]})
        items = gate_checklist(opportunity=opportunity, to_stage=to_stage)
        return Response(GateChecklistSerializer({
            "to_stage": to_stage.pk, "gated": bool(items), "met": all(item.met for item in items), "items": items,
            "missing": [item.missing_sentence for item in items if not item.met]}).data)

    @extend_schema(methods=["get"], responses=AttachmentSerializer(many=True))
    @extend_schema(methods=["post"], request={"multipart/form-data": AttachmentSerializer},
                   responses={201: AttachmentSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None,
            parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """The deal's files (P2 deliverables); POST `file` (+ `kind`) uploads one — size and type limits apply."""
        opportunity = self.get_object()
        if request.method == "POST":
            attachment = attachment_add(entity="opportunity", entity_id=opportunity.pk,
                                        kind=request.data.get("kind", ""), upload=request.FILES.get("file"),
                                        actor=request.user)
            return Response(AttachmentSerializer(attachment).data, status=201)
        return Response(AttachmentSerializer(attachments_for(entity="opportunity", entity_id=opportunity.pk),
                                             many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None,
            url_path=r"attachments/(?P<attachment_id>\d+)", url_name="attachment-download")
    def attachment_download(self, request, pk=None, attachment_id=None):
        opportunity = self.get_object()
        attachment = get_object_or_404(attachments_for(entity="opportunity", entity_id=opportunity.pk),
                                       pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name)

    @extend_schema(responses=FormSubmissionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None, url_path="form-submissions")
    def form_submissions(self, request, pk=None):
        """P2 questionnaires filled for this deal, newest first."""
        opportunity = self.get_object()
        return Response(FormSubmissionSerializer(selectors.form_submissions(opportunity=opportunity),
                                                 many=True).data)


class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """P3 pipelines (configuration) with their stages in order; the default first."""

    serializer_class = PipelineSerializer
    pagination_class = None

    def get_queryset(self):
        return with_stages(pipeline_list())


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
