"""Writes of infrastructure rows: audit entries, outbox events, setting overrides, and the row-level writes of
hot paths (rows_update, row_insert)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from shangji.core import events
from shangji.core.models import AuditEntry, Event, Freeze, SettingValue
from shangji.core.registry import REGISTRY, forget_cached_overrides

# Rows of audit_record and event_emit held back by rows_buffered(): (audit entries, events), in emission order.
_buffer: ContextVar[tuple[list[AuditEntry], list[Event]] | None] = ContextVar("rows_buffer", default=None)


@contextlib.contextmanager
def rows_buffered() -> Iterator[None]:
    """Inside this block audit_record and event_emit collect their rows; leaving it inserts them with one
    statement each, in the order they were emitted (the worker's lead batches: one INSERT instead of one per lead).
    Use it inside the transaction that must hold the rows; an exception drops them with the transaction.
    Nested blocks write at the outermost one."""
    if _buffer.get() is not None:
        yield
        return
    rows: tuple[list[AuditEntry], list[Event]] = ([], [])
    token = _buffer.set(rows)
    try:
        yield
    finally:
        _buffer.reset(token)
    AuditEntry.objects.bulk_create(rows[0])
    Event.objects.bulk_create(rows[1])


def rows_update(objects: Sequence[models.Model], fields: Iterable[str]) -> None:
    """Write `fields` of each object to its row: one UPDATE … WHERE pk = %s run once per object through the
    driver's executemany. Django's bulk_update builds a CASE per field and object instead, whose CPU cost (5 ms
    per lead in the worker's batches) outweighed the database work it saves. Like bulk_update: no pre_save, no
    signals; the caller sets what it writes (updated_at …)."""
    if not objects:
        return
    meta = type(objects[0])._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    rows = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] + [obj.pk]
            for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def row_insert(obj: models.Model) -> None:
    """INSERT one new object and set its primary key, with the statement built once per model: Model.save
    compiles the INSERT of every field again each time (for a lead, as much CPU as the rest of a public intake
    request). Like rows_update: no signals; each field's pre_save runs (auto_now dates …)."""
    sql, fields = _insert_statement(type(obj), connection.vendor)
    params = []
    for field, plain in fields:
        value = getattr(obj, field.attname) if plain else field.pre_save(obj, True)
        params.append(value if plain and (value is None or type(value) is plain)
                      else field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0] if connection.features.can_return_columns_from_insert else cursor.lastrowid
    obj._state.adding, obj._state.db = False, connection.alias


_insert_statements: dict[tuple[type[models.Model], str], tuple[str, list[tuple[models.Field, type | None]]]] = {}
# Fields whose value goes to the driver as it is when it has this exact type (their pre_save reads the attribute
# and get_db_prep_save returns a str, int or bool unchanged); any other field or value takes Django's path.
_PLAIN = {models.CharField: str, models.TextField: str, models.BooleanField: bool, models.IntegerField: int,
          models.BigIntegerField: int, models.SmallIntegerField: int, models.PositiveIntegerField: int,
          models.PositiveSmallIntegerField: int, models.AutoField: int, models.BigAutoField: int}


def _insert_statement(model: type[models.Model], vendor: str) -> tuple[str, list[tuple[models.Field, type | None]]]:
    statement = _insert_statements.get((model, vendor))
    if statement is None:
        meta, quote = model._meta, connection.ops.quote_name
        fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(meta.pk.column)}"
        plain = [_PLAIN.get(type(field.target_field if field.is_relation else field)) for field in fields]
        statement = _insert_statements[(model, vendor)] = (sql, list(zip(fields, plain, strict=True)))
    return statement


def audit_record(*, entity: str, entity_id: int, action: str, actor, changes: dict[str, tuple[Any, Any]] | None = None,
                 note: str = "") -> None:
    """O3: write one AuditEntry per changed field (or one for the action when there are no fields)."""
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    rows = [
        AuditEntry(entity=entity, entity_id=entity_id, action=action, field=field, old_value=_text(old),
                   new_value=_text(new), actor_id=actor_id, at=now, note=note)
        for field, (old, new) in (changes or {}).items()
    ] or [AuditEntry(entity=entity, entity_id=entity_id, action=action, actor_id=actor_id, at=now, note=note)]
    buffered = _buffer.get()
    if buffered is not None:
        buffered[0].extend(rows)
    else:
        AuditEntry.objects.bulk_create(rows)


def event_emit(*, name: str, entity: str, entity_id: int, actor, payload: dict | None = None) -> Event:
    """Outbox: persist the event in the caller's transaction; the worker is woken when it commits.

    An event emitted while a rule's actions run carries that rule chain, so loops can be stopped.
    Inside rows_buffered() the event is returned unsaved (no pk) and inserted when the block ends.
    """
    event = Event(name=name, entity=entity, entity_id=entity_id, actor_id=getattr(actor, "pk", None),
                  payload=payload or {}, created_at=timezone.now(), chain=list(events.current_chain()))
    buffered = _buffer.get()
    if buffered is not None:
        buffered[1].append(event)
    else:
        event.save(force_insert=True)
    events.wake_dispatcher_on_commit()
    return event


@transaction.atomic
def setting_update(*, key: str, raw_value: Any, actor) -> Any:
    """Validate and store an override; raises ValueError with a Chinese message on bad input."""
    definition = REGISTRY[key]
    value = definition.parse(raw_value)
    previous = SettingValue.objects.filter(key=key).values_list("value", flat=True).first()
    SettingValue.objects.update_or_create(key=key, defaults={"value": definition.to_json(value), "updated_by": actor})
    audit_record(entity="setting", entity_id=0, action="setting_changed", actor=actor,
                 changes={key: (previous if previous is not None else definition.default, value)})
    forget_cached_overrides()  # this process reads its own write at once…
    transaction.on_commit(forget_cached_overrides)  # …and drops anything re-cached before the commit
    return value


def changes_payload(changes: dict[str, tuple[Any, Any]]) -> dict:
    """Event payload of an update: which fields changed and their previous values (for "changed from")."""
    return {"changed": sorted(changes), "previous": {field: json_value(old) for field, (old, _new) in changes.items()}}


def json_value(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "pk", value)) if hasattr(value, "pk") else str(value)


def freeze_set(*, entity: str, entity_id: int, action: str, reason: str, actor=None) -> Freeze:
    """A1 freeze: block `action` on one record until released; setting it twice keeps one freeze."""
    active = Freeze.objects.filter(entity=entity, entity_id=entity_id, action=action, released_at__isnull=True).first()
    if active:
        return active
    freeze = Freeze.objects.create(entity=entity, entity_id=entity_id, action=action, reason=reason[:300],
                                   created_by=actor, created_at=timezone.now())
    audit_record(entity=entity, entity_id=entity_id, action="frozen", actor=actor, note=f"{action}: {reason}"[:500])
    return freeze


def freeze_release(*, entity: str, entity_id: int, action: str, actor=None) -> int:
    released = Freeze.objects.filter(entity=entity, entity_id=entity_id, action=action,
                                     released_at__isnull=True).update(released_at=timezone.now())
    if released:
        audit_record(entity=entity, entity_id=entity_id, action="unfrozen", actor=actor, note=action)
    return released


_housekeepers: list = []


def housekeeper(function):
    """Apps register a `function(before: datetime) -> int` that deletes their own log rows older than `before`."""
    _housekeepers.append(function)
    return function


def history_purge(*, now=None, chunk: int = 5000) -> int:
    """Nightly: delete dispatched events, finished timers and the apps' run logs older than the kept days,
    in chunks so a big backlog never holds a long lock. Audit entries are kept."""
    from datetime import timedelta

    from shangji.core.models import Timer, TimerStatus
    from shangji.core.registry import setting

    before = (now or timezone.now()) - timedelta(days=setting("core.history_keep_days"))
    deleted = 0
    for queryset in (Event.objects.filter(dispatched_at__lt=before),
                     Timer.objects.filter(finished_at__lt=before).exclude(status=TimerStatus.PENDING)):
        deleted += delete_in_chunks(queryset, chunk=chunk)
    from shangji.core.ratelimit import rate_counters_purge

    deleted += rate_counters_purge()
    for function in _housekeepers:
        deleted += function(before)
    return deleted


def delete_in_chunks(queryset, *, chunk: int = 5000) -> int:
    """Delete a queryset's rows a chunk at a time, so a big backlog never holds a long lock."""
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:chunk]):
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return deleted
