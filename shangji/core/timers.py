"""Timers as data (DESIGN rule 5): services start and cancel them; the worker fires the due ones.

A handler is registered per timer kind in its app's AppConfig.ready(). It runs in the same transaction
that marks the timer fired, so its database effects happen exactly once; anything it sends out goes
through the outbox or delivery rows written in that transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shangji.core.models import Timer, TimerStatus

log = logging.getLogger(__name__)
TimerHandler = Callable[[Timer], None]
_handlers: dict[str, TimerHandler] = {}


def register_timer_handler(kind: str, handler: TimerHandler) -> None:
    _handlers[kind] = handler


def timer_start(*, kind: str, key: str, entity: str, entity_id: int, due_at: datetime,
                payload: dict | None = None) -> Timer:
    """Start a clock; starting one that is already pending under `key` returns the pending one."""
    existing = Timer.objects.filter(key=key, status=TimerStatus.PENDING).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Timer.objects.create(kind=kind, key=key, entity=entity, entity_id=entity_id, due_at=due_at,
                                        payload=payload or {}, created_at=timezone.now())
    except IntegrityError:  # a concurrent start won the unique pending key
        return Timer.objects.get(key=key, status=TimerStatus.PENDING)


def timer_cancel(*, key: str | None = None, keys: list[str] | None = None, key_prefix: str | None = None,
                 entity: str | None = None, entity_id: int | None = None, kind: str | None = None,
                 note: str = "") -> int:
    """Cancel pending timers by key (or keys, or key prefix), or by target (and optionally kind); returns how
    many."""
    timers = Timer.objects.filter(status=TimerStatus.PENDING)
    if key is not None:
        timers = timers.filter(key=key)
    if keys is not None:
        timers = timers.filter(key__in=keys)
    if key_prefix is not None:
        timers = timers.filter(key__startswith=key_prefix)
    if entity is not None:
        timers = timers.filter(entity=entity, entity_id=entity_id)
    if kind is not None:
        timers = timers.filter(kind=kind)
    return timers.update(status=TimerStatus.CANCELLED, finished_at=timezone.now(), note=note[:500])


def timers_fire_due(*, now: datetime | None = None, batch: int = 1000, chunk: int = 200) -> int:
    """Fire up to `batch` due timers, oldest first; returns how many fired. Safe to run concurrently.

    Timers are claimed and fired `chunk` to a transaction, each handler under its own savepoint: a failing
    handler undoes only its own effects (its timer is marked failed), and a worker killed mid-chunk leaves
    the whole chunk pending, to fire again. Concurrent sweepers skip rows another one has claimed."""
    now = now or timezone.now()
    due = list(Timer.objects.filter(status=TimerStatus.PENDING, due_at__lte=now).order_by("due_at", "id")[:batch])
    fired = 0
    for start in range(0, len(due), chunk):
        with transaction.atomic():
            fired += _fire_chunk(due[start:start + chunk], now)
    return fired


def _fire_chunk(timers: list[Timer], now: datetime) -> int:
    pending = Timer.objects.filter(pk__in=[timer.pk for timer in timers], status=TimerStatus.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    claimed = set(pending.values_list("pk", flat=True))
    Timer.objects.filter(pk__in=claimed).update(status=TimerStatus.FIRED, finished_at=now)
    fired = 0
    for timer in timers:
        if timer.pk not in claimed:
            continue
        try:
            with transaction.atomic():
                handler = _handlers.get(timer.kind)
                if handler is None:
                    raise LookupError(f"no handler for timer kind {timer.kind}")
                handler(timer)
            fired += 1
        except Exception as error:
            log.exception("timer %s failed", timer.pk)
            Timer.objects.filter(pk=timer.pk).update(status=TimerStatus.FAILED, note=str(error)[:500])
    return fired
