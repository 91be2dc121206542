import os

import pytest
from django.core.management import call_command

from shangji.core import events
from shangji.core.models import Event
from shangji.core.services import event_emit

pytestmark = pytest.mark.django_db


def test_the_worker_command_runs_huey_with_the_scheduler_unless_told_not_to(monkeypatch):
    seen = {}
    monkeypatch.setattr("shangji.core.management.commands.worker.call_command",
                        lambda name, **options: seen.update(name=name, **options))
    monkeypatch.setattr("shangji.core.management.commands.worker.lower_priority",
                        lambda nice: seen.update(nice=nice))
    call_command("worker")
    assert seen == {"name": "run_huey", "periodic": True, "nice": 10}
    monkeypatch.setenv("SHANGJI_WORKER_NICE", "0")
    call_command("worker", "--no-periodic")
    assert seen["periodic"] is False and seen["nice"] == 0


@pytest.mark.parametrize("own_session", [True, False])
def test_the_worker_yields_the_cpu_to_its_own_session_only_when_it_leads_it(own_session, tmp_path):
    """Niceness always; the autogroup weight (Linux) only of a session the worker leads, never of the shell's
    session that a web server started from the same terminal shares."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    if not Path("/proc/self/autogroup").exists():
        pytest.skip("no autogroup scheduling on this kernel")
    probe = ("import json, os; from pathlib import Path; "
             "from shangji.core.management.commands.worker import lower_priority; "
             "lower_priority(7); print(json.dumps([os.nice(0), Path('/proc/self/autogroup').read_text()]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          start_new_session=own_session)
    nice, autogroup = json.loads(done.stdout)
    assert nice == min(19, os.nice(0) + 7)
    assert autogroup.strip().endswith(" nice 7") is own_session


def test_outbox_events_are_delivered_in_order_once_and_a_failing_handler_is_retried(actors, monkeypatch):
    delivered, fail_on = [], {"second"}

    def handler(event):
        if event.name in fail_on:
            raise RuntimeError("receiver down")
        delivered.append(event.name)

    monkeypatch.setattr(events, "_handlers", [handler])
    for name in ("first", "second", "third"):
        event_emit(name=name, entity="test", entity_id=1, actor=actors.rep)
    assert events.dispatch_pending() == 1
    assert delivered == ["first"]  # stopped at the failure: "third" must not overtake "second"
    fail_on.clear()
    assert events.dispatch_pending() == 2
    assert delivered == ["first", "second", "third"]
    assert events.dispatch_pending() == 0
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_dispatcher_that_finds_the_lock_held_returns_and_the_holder_picks_up_what_came_meanwhile(
        actors, monkeypatch):
    import contextlib

    delivered = []
    monkeypatch.setattr(events, "_handlers", [lambda event: delivered.append(event.name)])

    @contextlib.contextmanager
    def held():
        raise events.LockHeld
        yield

    event_emit(name="waiting", entity="test", entity_id=1, actor=actors.rep)
    assert events.dispatch_all(lock=held) == 0 and delivered == []

    committed_while_holding = []

    @contextlib.contextmanager
    def lock():
        yield
        if not committed_while_holding:  # another request commits just before the holder lets go
            committed_while_holding.append(event_emit(name="late", entity="test", entity_id=2, actor=actors.rep))

    assert events.dispatch_all(lock=lock) == 2
    assert delivered == ["waiting", "late"]


def test_a_failing_handler_does_not_make_the_dispatcher_spin(actors, monkeypatch):
    import contextlib

    calls = []

    def broken(event):
        calls.append(event.pk)
        raise RuntimeError("down")

    monkeypatch.setattr(events, "_handlers", [broken])
    event_emit(name="first", entity="test", entity_id=1, actor=actors.rep)
    assert events.dispatch_all(lock=contextlib.nullcontext) == 0
    assert len(calls) == 1


def test_periodic_schedules_run_on_the_company_clock():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    assert settings.TIME_ZONE == "Asia/Shanghai"
    shanghai_now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((HUEY._get_timestamp() - shanghai_now).total_seconds()) < 5


def test_the_dispatch_lock_is_known_to_the_consumer_so_a_restart_flushes_it():
    from huey.contrib.djhuey import HUEY

    from shangji.core.tasks import DISPATCH_LOCK

    DISPATCH_LOCK.acquire()  # as a killed worker would leave it
    assert DISPATCH_LOCK.is_locked()
    HUEY.flush_locks()  # what the consumer does on start (settings: flush_locks)
    assert not DISPATCH_LOCK.is_locked()


def test_a_dispatch_lock_left_by_a_dead_worker_expires_after_its_lease():
    import time

    from huey.contrib.djhuey import HUEY

    from shangji.core import tasks

    key = tasks.DISPATCH_LOCK._key
    HUEY.put(key, time.time())  # a live holder
    with pytest.raises(events.LockHeld):
        with tasks._dispatch_lock():
            pass
    HUEY.put(key, time.time() - tasks.LOCK_LEASE_SECONDS - 1)  # a holder that died long ago
    with tasks._dispatch_lock():
        assert HUEY.get(key, peek=True) > time.time() - 5
    assert HUEY.get(key, peek=True) is None
