"""To-dos (待办): a task for one person, optionally linked to a deal, customer or contact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.core.visibility import Scope, VisibleQuerySet
from shangji.todos.choices import SOURCE_MANUAL, TaskEntity, TaskStatus


class TaskQuerySet(VisibleQuerySet):
    def open(self) -> TaskQuerySet:
        return self.filter(status=TaskStatus.OPEN)

    def overdue(self, now=None) -> TaskQuerySet:
        return self.filter(status=TaskStatus.OPEN, due_at__lt=now or timezone.now())


class Task(models.Model):
    """One to-do. Assigned to one person; created by a person or by an automation rule (created_by empty)."""

    title = models.CharField(_("标题"), max_length=200)
    note = models.TextField(_("备注"), blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks",
                                 verbose_name=_("负责人"))
    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    entity = models.CharField(_("关联类型"), max_length=20, choices=TaskEntity.choices, blank=True)
    entity_id = models.BigIntegerField(_("关联记录ID"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("完成人"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="created_tasks", verbose_name=_("创建人"))
    source = models.CharField(_("来源"), max_length=40, default=SOURCE_MANUAL)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(entity="") & Q(entity_id__isnull=True)) | (~Q(entity="") & Q(entity_id__isnull=False)),
                name="task_entity_and_id_together"),
            models.CheckConstraint(
                condition=(Q(status=TaskStatus.OPEN) & Q(done_at__isnull=True))
                | (Q(status=TaskStatus.DONE) & Q(done_at__isnull=False)),
                name="task_done_at_matches_status"),
        ]
        indexes = [
            # "My open to-dos, soonest first" (list default, home card, counts).
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due_idx"),
            # The to-do panel of one deal / customer / contact.
            models.Index(fields=["entity", "entity_id", "status"], name="task_record_idx"),
        ]
        verbose_name = _("待办")
        verbose_name_plural = _("待办")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        """The assignee's scope (own, subtree for managers) plus the to-dos the user created."""
        return Q(assignee_id__in=scope.owner_ids) | Q(created_by_id=scope.user_id)

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()
