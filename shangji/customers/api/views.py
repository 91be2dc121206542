"""Customer master API. Querysets come from selectors (visible_to), writes from services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from shangji.core.api import error_response
from shangji.core.visibility import can_change
from shangji.customers import selectors, services
from shangji.customers.api.serializers import (
    ContactSerializer,
    CustomerSerializer,
    InteractionSerializer,
    MatchCandidateSerializer,
    MatchQuerySerializer,
    MergeSerializer,
)
from shangji.customers.filtersets import CustomerFilterSet
from shangji.customers.services import CustomerFields, DuplicateSuspected
from shangji.org.selectors import user_list


def assignable_owner(*, actor, owner_id: int | None):
    """An owner the actor may hand records to: someone in their scope (a rep can only pick themselves)."""
    if owner_id is None or owner_id == actor.pk:
        return None
    owner = user_list(user=actor).filter(pk=owner_id).first()
    if owner is None or not can_change(actor, owner.pk):
        raise ApiValidationError({"owner": [_("不能把记录分配给该用户。")]})
    return owner


def customer_fields(data: dict, base=None) -> CustomerFields:
    """Validated API data (+ the current record for PATCH) → the service's typed fields."""
    values = {}
    for key in CustomerFields.__dataclass_fields__:
        source = key.removesuffix("_id")
        if source in data:
            value = getattr(data[source], "pk", data[source])
        elif base is not None:
            value = getattr(base, key)
        else:
            continue
        values[key] = "" if value is None and key in TEXT_FIELDS else value
    return CustomerFields(**values)


TEXT_FIELDS = {"name", "credit_code", "phone", "email", "scale", "address"}


def duplicate_response(error: DuplicateSuspected) -> Response:
    return error_response(
        "duplicate_suspected", error.message_dict["duplicate_override_reason"][0], 400,
        candidates=MatchCandidateSerializer(error.candidates, many=True).data,
    )


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Customers the caller may see (O2). Create runs search-before-create (C1)."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.customer_list(user=self.request.user, include_merged=self.action == "retrieve")

    def perform_create(self, serializer):
        data = serializer.validated_data
        owner = assignable_owner(actor=self.request.user, owner_id=data.get("owner_id"))
        serializer.instance = services.customer_create(
            actor=self.request.user, fields=customer_fields(data), owner=owner,
            duplicate_override_reason=data.get("duplicate_override_reason", ""), custom=data.get("custom"),
        )

    def perform_update(self, serializer):
        customer = serializer.instance
        if not can_change(self.request.user, customer.owner_id):
            raise PermissionDenied
        data = serializer.validated_data
        owner = assignable_owner(actor=self.request.user, owner_id=data.get("owner_id"))
        serializer.instance = services.customer_update(
            customer=customer, actor=self.request.user, fields=customer_fields(data, base=customer), owner=owner,
            duplicate_override_reason=data.get("duplicate_override_reason", ""), custom=data.get("custom"),
        )

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except DuplicateSuspected as error:
            return duplicate_response(error)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except DuplicateSuspected as error:
            return duplicate_response(error)

    @extend_schema(parameters=[MatchQuerySerializer],
                   responses=inline_serializer("MatchResponse", {"results": MatchCandidateSerializer(many=True)}))
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def match(self, request):
        """Search before create: likely existing customers, best first. Tells *that* a customer exists
        and who owns it even when the caller cannot open it — never more (C1)."""
        query = MatchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        candidates = selectors.customer_match(user=request.user, **query.validated_data)
        return Response({"results": MatchCandidateSerializer(candidates, many=True).data})

    @extend_schema(request=MergeSerializer, responses={201: OpenApiResponse(description=gettext_lazy("合并完成"))})
    @action(detail=True, methods=["post"], filterset_class=None)
    def merge(self, request, pk=None):
        """Merge another customer into this one; contacts, history and opportunities move here (C2)."""
        survivor = self.get_object()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duplicate = get_object_or_404(selectors.customer_list(user=request.user), pk=body.validated_data["duplicate"])
        merge = services.customer_merge(survivor=survivor, duplicate=duplicate, actor=request.user,
                                        reason=body.validated_data["reason"])
        return Response({"survivor": survivor.pk, "merged": duplicate.pk, "moved": merge.moved},
                        status=status.HTTP_201_CREATED)


def _visible_customer(request, customer_id: int):
    customer = selectors.customer_list(user=request.user).filter(pk=customer_id).first()
    if customer is None:
        raise ApiValidationError({"customer": [_("客户不存在或您无权查看。")]})
    if not can_change(request.user, customer.owner_id):
        raise PermissionDenied
    return customer


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Contacts of the customers the caller may see, with their decision-chain role (C3)."""

    serializer_class = ContactSerializer
    filterset_fields = ["customer", "decision_role", "attitude"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.contact_list(user=self.request.user)

    def _fields(self, data: dict, base=None) -> services.ContactFields:
        names = services.ContactFields.__dataclass_fields__
        values = {key: data[key] if key in data else getattr(base, key) for key in names if key in data or base}
        return services.ContactFields(**values)

    def perform_create(self, serializer):
        customer = _visible_customer(self.request, serializer.validated_data["customer"].pk)
        serializer.instance = services.contact_create(customer=customer, actor=self.request.user,
                                                      fields=self._fields(serializer.validated_data),
                                                      custom=serializer.validated_data.get("custom"))

    def perform_update(self, serializer):
        contact = serializer.instance
        _visible_customer(self.request, contact.customer_id)
        if "customer" in serializer.validated_data and serializer.validated_data["customer"].pk != contact.customer_id:
            raise ApiValidationError({"customer": [_("联系人不能转移到其他客户，请使用客户合并。")]})
        serializer.instance = services.contact_update(contact=contact, actor=self.request.user,
                                                      fields=self._fields(serializer.validated_data, base=contact),
                                                      custom=serializer.validated_data.get("custom"))


class InteractionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         viewsets.GenericViewSet):
    """Interaction history (C3): calls, visits, WeChat, e-mail, meetings, notes."""

    serializer_class = InteractionSerializer
    filterset_fields = ["customer", "kind"]

    def get_queryset(self):
        return selectors.interaction_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        customer = selectors.customer_list(user=self.request.user).filter(pk=data["customer"].pk).first()
        if customer is None:
            raise ApiValidationError({"customer": [_("客户不存在或您无权查看。")]})
        serializer.instance = services.interaction_record(
            customer=customer, actor=self.request.user, kind=data["kind"], summary=data["summary"],
            occurred_at=data.get("occurred_at"), contact=data.get("contact"),
        )

