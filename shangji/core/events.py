"""Outbox delivery: the worker hands each persisted Event to the registered handlers, at least once.

Handlers must be idempotent (an event may be delivered again after a crash). Apps register them in
their AppConfig.ready(); the automation platform is the main consumer. A commit that wrote events
wakes the dispatcher at once; the periodic sweep is only the safety net.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

from django.db import connection, transaction
from django.utils import timezone

from shangji.core.models import Event

log = logging.getLogger(__name__)
Handler = Callable[[Event], None]
_handlers: list[Handler] = []
_chain: ContextVar[tuple[int, ...]] = ContextVar("rule_chain", default=())
_dispatching: ContextVar[bool] = ContextVar("dispatching", default=False)
_batch_memo: ContextVar[dict | None] = ContextVar("batch_memo", default=None)
T = TypeVar("T")


def register_handler(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def current_chain() -> tuple[int, ...]:
    return _chain.get()


@contextlib.contextmanager
def caused_by(chain: tuple[int, ...]) -> Iterator[None]:
    """Events emitted inside this block record `chain` (the rules whose actions are running)."""
    token = _chain.set(chain)
    try:
        yield
    finally:
        _chain.reset(token)


def wake_dispatcher_on_commit() -> None:
    """Queue one dispatch task per transaction, after it commits (never before the rows are visible)."""
    if any(callback is _wake for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_wake, robust=True)


def _wake() -> None:
    if _dispatching.get():
        return  # the running dispatch loop drains what its own handlers emitted
    from shangji.core.tasks import dispatch_events

    dispatch_events()


def dispatch_pending(*, batch: int = 500) -> int:
    """Deliver up to `batch` undelivered events in order; returns how many were delivered."""
    return _dispatch_batch(batch)[0]


def _dispatch_batch(batch: int = 500) -> tuple[int, bool]:
    """(delivered, blocked): blocked when a handler failed, so later events wait for the next run.

    The delivered events are marked in one statement at the end: a worker killed mid-batch delivers them again,
    which the handlers' idempotency makes harmless (at least once)."""
    delivered: list[int] = []
    blocked = False
    memo: dict = {_AT_END: {}}
    token = _batch_memo.set(memo)
    try:
        memo[_EVENTS] = events = list(Event.objects.filter(dispatched_at__isnull=True).order_by("id")[:batch])
        for event in events:
            try:
                for handler in _handlers:
                    handler(event)
            except Exception:
                # Stop here so later events are not delivered before this one; the next run retries it.
                log.exception("event %s handler failed; will retry", event.pk)
                blocked = True
                break
            delivered.append(event.pk)
        try:
            for finish in memo[_AT_END].values():
                finish()
        except Exception:
            log.exception("finishing a dispatch batch failed; its events will be delivered again")
            return 0, True
    finally:
        _batch_memo.reset(token)
    if delivered:
        Event.objects.filter(pk__in=delivered, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
    return len(delivered), blocked


_EVENTS = "events"  # the memo's own keys: the events of the running batch, and what runs at its end
_AT_END = "at-end"


def batch_events() -> list[Event] | None:
    """The events of the running dispatch batch (a handler prefetches what all of them need), or None outside one."""
    memo = _batch_memo.get()
    return None if memo is None else memo.get(_EVENTS)


def batch_forget(prefix: str) -> None:
    """Drop memoised values whose key starts with `prefix` (what a handler's own writes have made stale)."""
    memo = _batch_memo.get()
    if memo is not None:
        for key in [key for key in memo if key.startswith(prefix) and key not in (_EVENTS, _AT_END)]:
            del memo[key]


def batch_memo(key: str, load: Callable[[], T]) -> T:
    """What a handler reads once per dispatch batch (which rules and subscriptions exist), not once per event.
    Outside a batch (a handler called directly) it just loads."""
    memo = _batch_memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def batch_at_end(key: str, finish: Callable[[], None]) -> None:
    """Run `finish` once when the running dispatch batch has handled its events, before they are marked delivered
    (a handler writes what it gathered for the whole batch in one go). Call it only inside a batch."""
    _batch_memo.get()[_AT_END].setdefault(key, finish)


def dispatch_all(*, lock: Callable[[], contextlib.AbstractContextManager], batch: int = 500) -> int:
    """Drain the outbox under `lock`. A caller that finds the lock held returns at once: the holder looks
    for pending events again after releasing it, so an event committed while it held the lock is not missed
    (its waker either failed to get the lock before the release, or gets it after)."""
    total = 0
    while True:
        blocked = False
        try:
            with lock():
                token = _dispatching.set(True)
                try:
                    while not blocked:
                        delivered, blocked = _dispatch_batch(batch)
                        total += delivered
                        if delivered < batch:
                            break
                finally:
                    _dispatching.reset(token)
        except LockHeld:
            return total
        if blocked or not Event.objects.filter(dispatched_at__isnull=True).exists():
            return total  # a failing handler is retried by the next sweep rather than in a tight loop


class LockHeld(Exception):
    """Raised by a dispatch lock that another worker holds."""
