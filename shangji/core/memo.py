"""Per-process caches of configuration rows that the worker reads for every lead (territories, group robots).

Such rows change a few times a month and are read fifty times a second at peak. A cached value lives
CONFIG_CACHE_SECONDS; a save or delete of one of its models in this process drops it at once, and other
processes see the change when their copy expires. Values are shared by threads: treat them as read-only.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db.models.signals import post_delete, post_save

CONFIG_CACHE_SECONDS = 5.0  # how stale another process's routing or robot configuration may be
T = TypeVar("T")
_stores: list[dict] = []
_lock = threading.Lock()


def config_cached(*models) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache a loader of configuration rows by its (hashable) arguments; `models` are what it reads."""
    def decorator(load: Callable[..., T]) -> Callable[..., T]:
        store: dict = {}
        with _lock:
            _stores.append(store)

        @functools.wraps(load)
        def cached(*args):
            hit = store.get(args)
            if hit is not None and time.monotonic() - hit[0] < CONFIG_CACHE_SECONDS:
                return hit[1]
            value = load(*args)
            store[args] = (time.monotonic(), value)
            return value

        def forget(**_kwargs) -> None:
            store.clear()

        cached.uncached = load  # for a page that must show this very moment's configuration (a dry run)
        for model in models:
            post_save.connect(forget, sender=model, weak=False)
            post_delete.connect(forget, sender=model, weak=False)
        return cached
    return decorator


def forget_config_caches() -> None:
    """Drop every cached configuration (tests call this between cases: a rollback sends no signal)."""
    with _lock:
        for store in _stores:
            store.clear()
