"""Reads for to-dos; every query starts from `Task.objects.visible_to(user)`.

A to-do may point at a deal, customer or contact. Whether the *record* may be shown is decided
separately from the to-do: a manager sees a rep's to-do on a deal only shared with that rep, but
not the deal's name (`attach_links`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from shangji.core.visibility import can_change, scope_for
from shangji.customers.models import Contact, Customer
from shangji.pipeline.models import Opportunity
from shangji.todos.choices import TaskEntity, TaskStatus
from shangji.todos.models import Task

RECORD_MODELS = {
    TaskEntity.OPPORTUNITY: Opportunity,
    TaskEntity.CUSTOMER: Customer,
    TaskEntity.CONTACT: Contact,
}


def day_start(day: date) -> datetime:
    """Midnight of `day` in the company time zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def today_end() -> datetime:
    """The first moment of tomorrow in the company time zone ("due today" ends here)."""
    return day_start(timezone.localdate() + timedelta(days=1))


def task_list(*, user, status: str | None = None, assignee_id: int | None = None) -> QuerySet[Task]:
    tasks = Task.objects.visible_to(user).select_related("assignee", "created_by", "done_by")
    if status:
        tasks = tasks.filter(status=status)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    return tasks


def task_get(*, user, pk: int) -> Task:
    """The to-do if the user may see it; 404 otherwise."""
    return get_object_or_404(task_list(user=user), pk=pk)


def task_can_change(*, user, task: Task) -> bool:
    """Its assignee, its creator, and whoever may change records owned by the assignee (their managers,
    admins, directors, sales ops). Finance sees every to-do but changes only its own."""
    if scope_for(user).user_id is None:
        return False
    if user.pk in (task.assignee_id, task.created_by_id):
        return True
    return can_change(user, task.assignee_id)


def in_list_order(tasks: QuerySet[Task], *, status: str | None = None) -> QuerySet[Task]:
    """Open to-dos first, soonest due first (no due date last); a list of done to-dos, latest done first."""
    if status == TaskStatus.DONE:
        return tasks.order_by("-done_at", "-id")
    return tasks.order_by("-status", F("due_at").asc(nulls_last=True), "id")


def record_get(*, user, entity: str, entity_id: int):
    """The linked record if the user may see it; 404 otherwise (also for unknown record types)."""
    model = RECORD_MODELS.get(entity)
    if model is None:
        raise Http404
    return get_object_or_404(model.objects.visible_to(user), pk=entity_id)


def tasks_for_record(*, user, entity: str, entity_id: int) -> QuerySet[Task]:
    """The to-dos of one record that the user may see; 404 when the record itself is hidden from them."""
    record = record_get(user=user, entity=entity, entity_id=entity_id)
    return in_list_order(task_list(user=user).filter(entity=entity, entity_id=record.pk))


@dataclass(frozen=True)
class TaskCounts:
    open: int
    overdue: int
    due_today: int  # open, not yet overdue, due before midnight (company time zone)


def task_counts(*, user) -> TaskCounts:
    """The signed-in user's own open to-dos, for the home page."""
    now = timezone.now()
    row = (task_list(user=user, status=TaskStatus.OPEN, assignee_id=user.pk).order_by()
           .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
                      due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=today_end()))))
    return TaskCounts(open=row["open"], overdue=row["overdue"], due_today=row["due_today"])


def upcoming_tasks(*, user, limit: int) -> list[Task]:
    """The user's own open to-dos, overdue and soonest due first."""
    tasks = task_list(user=user, status=TaskStatus.OPEN, assignee_id=user.pk)
    return list(in_list_order(tasks)[:limit])


@dataclass(frozen=True)
class LinkedRecord:
    """What a to-do's link shows. `visible` False: the viewer may see the to-do but not the record."""

    entity: str
    entity_id: int
    visible: bool
    label: str = ""
    url: str = ""

    @property
    def entity_label(self) -> str:
        return TaskEntity(self.entity).label


def _labels(*, user, entity: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    """id → (label, url) of the records of one type the user may see: one query per record type."""
    visible = RECORD_MODELS[entity].objects.visible_to(user).filter(pk__in=ids)
    if entity == TaskEntity.OPPORTUNITY:
        return {pk: (name, reverse("pipeline:detail", args=[pk])) for pk, name in visible.values_list("pk", "name")}
    if entity == TaskEntity.CUSTOMER:
        return {pk: (name, reverse("customers:detail", args=[pk])) for pk, name in visible.values_list("pk", "name")}
    # Contacts have no page of their own: link to their customer.
    return {pk: (f"{name}（{customer_name}）", reverse("customers:detail", args=[customer_id]))
            for pk, name, customer_id, customer_name in visible.values_list("pk", "name", "customer_id",
                                                                            "customer__name")}


def attach_links(*, user, tasks: list[Task], with_links: bool = True) -> list[Task]:
    """Set `task.link` (a LinkedRecord or None) and `task.changeable` on each to-do, without N+1 queries.
    `with_links=False` (a record's own panel) skips the links."""
    wanted: dict[str, set[int]] = {}
    for task in tasks:
        if with_links and task.entity in RECORD_MODELS and task.entity_id is not None:
            wanted.setdefault(task.entity, set()).add(task.entity_id)
    found = {entity: _labels(user=user, entity=entity, ids=ids) for entity, ids in wanted.items()}
    for task in tasks:
        task.link = None
        if task.entity in found:
            shown = found[task.entity].get(task.entity_id)
            task.link = LinkedRecord(entity=task.entity, entity_id=task.entity_id, visible=shown is not None,
                                     label=shown[0] if shown else "", url=shown[1] if shown else "")
        task.changeable = task_can_change(user=user, task=task)
    return tasks


def link_for(*, user, entity: str, entity_id: int | None) -> LinkedRecord | None:
    """The link of a to-do about to be created (the create page's "关联" line)."""
    if entity not in RECORD_MODELS or entity_id is None:
        return None
    shown = _labels(user=user, entity=entity, ids={entity_id}).get(entity_id)
    return LinkedRecord(entity=entity, entity_id=entity_id, visible=shown is not None,
                        label=shown[0] if shown else "", url=shown[1] if shown else "")
