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
    call_command("worker")
    assert seen == {"name": "run_huey", "periodic": True}
    call_command("worker", "--no-periodic")
    assert seen["periodic"] is False


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
