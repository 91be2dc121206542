"""Outbox delivery: the worker hands each persisted Event to the registered handlers, at least once.

Handlers must be idempotent (an event may be delivered again after a crash). Apps register them in
their AppConfig.ready(); the automation platform is the main consumer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from shangji.core.models import Event

log = logging.getLogger(__name__)
Handler = Callable[[Event], None]
_handlers: list[Handler] = []


def register_handler(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def dispatch_pending(*, batch: int = 500) -> int:
    """Deliver up to `batch` undelivered events in order; returns how many were delivered."""
    delivered = 0
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("id")[:batch]:
        try:
            for handler in _handlers:
                handler(event)
        except Exception:
            # Stop here so later events are not delivered before this one; the next run retries it.
            log.exception("event %s handler failed; will retry", event.pk)
            break
        with transaction.atomic():
            Event.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
        delivered += 1
    return delivered
