from django.core.exceptions import PermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from shangji.automation import selectors
from shangji.automation.api.serializers import (
    RuleRunSerializer,
    RuleSerializer,
    RuleTestResultSerializer,
    RuleTestSerializer,
)
from shangji.automation.engine import rule_dry_run
from shangji.automation.filtersets import RuleRunFilterSet
from shangji.automation.services import rule_create, rule_update
from shangji.core.api import Pagination


class CanConfigure(permissions.BasePermission):
    """Rules are company configuration (A2): sales ops and admins only."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.can_configure)


class RuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """No-code rules (A1), the shipped defaults included. Disable a rule with `PATCH {"is_enabled": false}`."""

    serializer_class = RuleSerializer
    permission_classes = [CanConfigure]
    pagination_class = Pagination

    def get_queryset(self):
        try:
            return selectors.rule_list(user=self.request.user).order_by("sequence", "id")
        except PermissionDenied:
            return selectors.Rule.objects.none()

    def perform_create(self, serializer):
        serializer.instance = rule_create(spec=serializer.spec(), actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = rule_update(rule=serializer.instance, spec=serializer.spec(), actor=self.request.user)

    @extend_schema(request=RuleTestSerializer, responses=RuleTestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Dry run on a record the caller can see: would it fire, because of which conditions, doing what."""
        rule = self.get_object()
        body = RuleTestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = selectors.record_to_try(user=request.user, entity=rule.entity,
                                         entity_id=body.validated_data["record_id"])
        if record is None:
            raise NotFound()
        verdict, effects = rule_dry_run(rule=rule, record=record)
        return Response({"would_fire": verdict.ok, "conditions": verdict.lines, "actions": effects})


class RuleRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Every rule run: which record, which conditions matched, what each action did, errors."""

    serializer_class = RuleRunSerializer
    permission_classes = [CanConfigure]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = RuleRunFilterSet

    def get_queryset(self):
        try:
            return selectors.run_list(user=self.request.user)
        except PermissionDenied:
            return selectors.RuleRun.objects.none()
