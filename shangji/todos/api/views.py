"""To-do API. Lists use the page's FilterSet (default: my open to-dos; `?scope=team&status=all` for every
to-do the caller may see). Writes go through the services; 404 outside the caller's scope, 403 when
the caller sees the to-do but may not change it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from shangji.org.selectors import user_list
from shangji.todos import selectors, services
from shangji.todos.api.serializers import TaskSerializer
from shangji.todos.filtersets import TaskFilterSet


def _assignee(*, actor, assignee_id: int | None):
    """The user named by the request: anyone in the caller's scope (a rep can only pick themselves)."""
    if assignee_id is None or assignee_id == actor.pk:
        return actor
    assignee = user_list(user=actor).filter(pk=assignee_id).first()
    if assignee is None:
        raise ApiValidationError({"assignee": [_("不能把待办分配给该用户。")]})
    return assignee


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """To-dos the caller may see: their own, their team's (managers), all (company-wide roles), and
    the ones they created."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.task_list(user=self.request.user)

    def filter_queryset(self, queryset):
        # The list's defaults (mine, open) must not hide a to-do opened by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _changeable(self):
        task = self.get_object()
        if not selectors.task_can_change(user=self.request.user, task=task):
            raise PermissionDenied
        return task

    def _answer(self, task):
        return Response(self.get_serializer(selectors.task_get(user=self.request.user, pk=task.pk)).data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        serializer.instance = services.task_create(
            title=data["title"], assignee=_assignee(actor=user, assignee_id=data.get("assignee_id")),
            due_at=data.get("due_at"), entity=data.get("entity", ""), entity_id=data.get("entity_id"),
            note=data.get("note", ""), actor=user)

    def perform_update(self, serializer):
        task = serializer.instance
        user = self.request.user
        if not selectors.task_can_change(user=user, task=task):
            raise PermissionDenied
        data = serializer.validated_data
        if data.get("entity", task.entity) != task.entity or data.get("entity_id", task.entity_id) != task.entity_id:
            raise ApiValidationError({"entity": [_("待办的关联记录不能更改。")]})
        edits = {key: data[key] for key in ("title", "note", "due_at") if key in data}
        if "assignee_id" in data and data["assignee_id"] != task.assignee_id:
            edits["assignee"] = _assignee(actor=user, assignee_id=data["assignee_id"])
        task = services.task_update(task=task, actor=user, **edits)
        serializer.instance = selectors.task_get(user=user, pk=task.pk)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the to-do done (again: no change)."""
        return self._answer(services.task_complete(task=self._changeable(), actor=request.user))

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Mark the to-do not done."""
        return self._answer(services.task_reopen(task=self._changeable(), actor=request.user))
