"""Worker tasks of the core: they only wrap functions, so business code never depends on Huey."""

import contextlib
import threading
import time

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from shangji.core.events import LockHeld, dispatch_all
from shangji.core.timers import timers_fire_due

# Registered at import so a starting consumer flushes it (flush_locks); a killed holder's lock also expires
# after LOCK_LEASE_SECONDS, for sites where the other workers keep running and nobody restarts.
DISPATCH_LOCK = HUEY.lock_task("dispatch-events")
LOCK_LEASE_SECONDS = 300  # infrastructure, not a business threshold: longer than any normal drain


@contextlib.contextmanager
def _dispatch_lock():
    key = DISPATCH_LOCK._key
    if not HUEY.put_if_empty(key, time.time()):
        held_since = HUEY.get(key, peek=True)
        try:
            stale = time.time() - float(held_since) > LOCK_LEASE_SECONDS
        except (TypeError, ValueError):
            stale = True
        if not stale:
            raise LockHeld
        HUEY.delete(key)  # its holder died without a restart to flush it
        if not HUEY.put_if_empty(key, time.time()):
            raise LockHeld
    try:
        yield
    finally:
        HUEY.delete(key)


@db_task()
def dispatch_events() -> int:
    """Woken by each commit that wrote events."""
    return dispatch_all(lock=_dispatch_lock)


@db_periodic_task(crontab(minute="*"))
def sweep_events() -> int:
    """Safety net: events whose wake-up was lost (a crashed worker) are delivered within a minute."""
    return dispatch_all(lock=_dispatch_lock)


@db_periodic_task(crontab(minute="*"))
def fire_timers() -> int:
    return timers_fire_due()


_started = threading.Event()


@HUEY.on_startup()
def recover_after_restart() -> None:
    """A restarted worker picks up at once what a killed one left (each consumer thread calls this; the
    first one per process enqueues the sweeps)."""
    if _started.is_set():
        return
    _started.set()
    sweep_events()
    fire_timers()
    for sweep in _startup_sweeps:
        sweep()


_startup_sweeps: list = []


def run_at_worker_start(task) -> None:
    """Apps add their own safety-net sweeps (e.g. notify's delivery sweep) to the restart recovery."""
    _startup_sweeps.append(task)


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_history() -> int:
    """Nightly (company time): old dispatched events, finished timers and run logs."""
    from shangji.core.services import history_purge

    return history_purge()
