"""Writes for to-dos. People and automation rules (actor=None) create them through `task_create`;
every status, assignee and due change leaves an audit row and an outbox event in the same transaction."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.services import audit_record, changes_payload, event_emit, json_value
from shangji.core.text import clean_text
from shangji.core.visibility import scope_for
from shangji.todos.choices import SOURCE_MANUAL, TaskEntity, TaskStatus
from shangji.todos.models import Task
from shangji.todos.selectors import RECORD_MODELS, task_can_change

TITLE_MAX = Task._meta.get_field("title").max_length
SOURCE_MAX = Task._meta.get_field("source").max_length
NOTE_MAX = 5000
UNCHANGED = ...


def _title(raw) -> str:
    title = clean_text(raw)
    if not title:
        raise ValidationError({"title": [_("请填写待办标题。")]})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": [_("待办标题过长（最多 %(max)s 个字）。") % {"max": TITLE_MAX}]})
    return title


def _note(raw) -> str:
    note = clean_text(raw)
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("备注过长（最多 %(max)s 个字）。") % {"max": NOTE_MAX}]})
    return note


def _due(raw) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, datetime):
        raise ValidationError({"due_at": [_("截止时间格式不正确，请填写日期和时间。")]})
    # A naive time was typed in the company's time zone.
    return timezone.make_aware(raw) if timezone.is_naive(raw) else raw


def _check_assignee(assignee, actor) -> None:
    if assignee is None or getattr(assignee, "pk", None) is None:
        raise ValidationError({"assignee": [_("请选择负责人。")]})
    if not assignee.is_active:
        raise ValidationError({"assignee": [_("该用户已停用，不能分配待办。")]})
    if actor is None or assignee.pk == actor.pk:
        return
    scope = scope_for(actor)
    if not (scope.sees_all or assignee.pk in scope.owner_ids):
        raise ValidationError({"assignee": [_("只能把待办分配给自己或您管辖范围内的同事。")]})


def _link(entity: str, entity_id, actor) -> tuple[str, int | None]:
    """("", None) for no link, else the checked (entity, id): the record must exist and, when a person
    creates the to-do, be visible to them."""
    entity = entity or ""
    if not entity:
        if entity_id not in (None, ""):
            raise ValidationError({"entity": [_("请选择关联记录的类型。")]})
        return "", None
    if entity not in TaskEntity.values:
        raise ValidationError({"entity": [_("不支持的关联类型。")]})
    try:
        entity_id = int(entity_id)
    except (TypeError, ValueError):
        raise ValidationError({"entity_id": [_("请指定关联的记录。")]}) from None
    records = RECORD_MODELS[entity].objects
    records = records.visible_to(actor) if actor is not None else records.all()
    if not records.filter(pk=entity_id).exists():
        raise ValidationError({"entity_id": [_("关联的记录不存在或您无权查看。")]})
    return entity, entity_id


def _source(raw: str) -> str:
    source = clean_text(raw) or SOURCE_MANUAL
    if len(source) > SOURCE_MAX:
        raise ValidationError({"source": [_("来源过长（最多 %(max)s 个字）。") % {"max": SOURCE_MAX}]})
    return source


def _payload(task: Task, **extra) -> dict:
    return {"assignee": task.assignee_id, "entity": task.entity, "entity_id": task.entity_id, **extra}


@transaction.atomic
def task_create(*, title: str, assignee, due_at=None, entity: str = "", entity_id: int | None = None,
                note: str = "", actor=None, source: str = "manual") -> Task:
    """A to-do for `assignee`. `actor=None` is automation: no scope checks, `created_by` stays empty."""
    title = _title(title)
    note = _note(note)
    due_at = _due(due_at)
    _check_assignee(assignee, actor)
    entity, entity_id = _link(entity, entity_id, actor)
    source = _source(source)
    now = timezone.now()
    task = Task.objects.create(title=title, note=note, assignee=assignee, due_at=due_at, entity=entity,
                               entity_id=entity_id, status=TaskStatus.OPEN, created_by=actor, source=source,
                               created_at=now, updated_at=now)
    audit_record(entity="task", entity_id=task.pk, action="created", actor=actor,
                 changes={"assignee_id": (None, assignee.pk), "due_at": (None, due_at)}, note=source)
    event_emit(name="task.created", entity="task", entity_id=task.pk, actor=actor,
               payload=_payload(task, source=source, due_at=json_value(due_at)))
    return task


def _lock(task: Task, actor) -> Task:
    """Re-read the row under lock and check the actor may change it (automation, actor=None, may)."""
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if actor is not None and not task_can_change(user=actor, task=locked):
        raise PermissionDenied(_("您无权修改该待办。"))
    return locked


@transaction.atomic
def task_complete(*, task: Task, actor) -> Task:
    """Mark done. Completing a done to-do again changes nothing (a double click is harmless)."""
    task = _lock(task, actor)
    if task.status == TaskStatus.DONE:
        return task
    now = timezone.now()
    task.status, task.done_at, task.done_by, task.updated_at = TaskStatus.DONE, now, actor, now
    task.save(update_fields=["status", "done_at", "done_by", "updated_at"])
    audit_record(entity="task", entity_id=task.pk, action="completed", actor=actor,
                 changes={"status": (TaskStatus.OPEN.value, TaskStatus.DONE.value)})
    event_emit(name="task.completed", entity="task", entity_id=task.pk, actor=actor, payload=_payload(task))
    return task


@transaction.atomic
def task_reopen(*, task: Task, actor) -> Task:
    """Back to open (the completion is forgotten; its audit row stays)."""
    task = _lock(task, actor)
    if task.status == TaskStatus.OPEN:
        return task
    task.status, task.done_at, task.done_by, task.updated_at = TaskStatus.OPEN, None, None, timezone.now()
    task.save(update_fields=["status", "done_at", "done_by", "updated_at"])
    audit_record(entity="task", entity_id=task.pk, action="reopened", actor=actor,
                 changes={"status": (TaskStatus.DONE.value, TaskStatus.OPEN.value)})
    event_emit(name="task.reopened", entity="task", entity_id=task.pk, actor=actor, payload=_payload(task))
    return task


@transaction.atomic
def task_update(*, task: Task, actor, title: str | None = None, due_at=UNCHANGED, assignee=None,
                note: str | None = None) -> Task:
    """Edit a to-do. `due_at=None` clears the due date; leave it out to keep it."""
    changes: dict = {}
    if title is not None:
        changes["title"] = (task.title, _title(title))
    if note is not None:
        changes["note"] = (task.note, _note(note))
    if due_at is not UNCHANGED:
        changes["due_at"] = (task.due_at, _due(due_at))
    task = _lock(task, actor)
    for field in changes:
        changes[field] = (getattr(task, field), changes[field][1])
    if assignee is not None and assignee.pk != task.assignee_id:
        _check_assignee(assignee, actor)
        changes["assignee_id"] = (task.assignee_id, assignee.pk)
    changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    if not changes:
        return task
    for field, (_old, new) in changes.items():
        setattr(task, field, new)
    task.updated_at = timezone.now()
    task.save(update_fields=[*changes, "updated_at"])
    audited = {field: pair for field, pair in changes.items() if field in ("title", "assignee_id", "due_at")}
    if audited:
        audit_record(entity="task", entity_id=task.pk, action="updated", actor=actor, changes=audited)
    event_emit(name="task.updated", entity="task", entity_id=task.pk, actor=actor,
               payload=_payload(task) | changes_payload(changes))
    return task
