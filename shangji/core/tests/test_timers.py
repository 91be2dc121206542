"""Timers as data (DESIGN rule 5): due ones fire once, failures stay isolated and visible, cancels stop them."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from shangji.core import timers
from shangji.core.models import AuditEntry, Timer, TimerStatus
from shangji.core.services import audit_record
from shangji.core.timers import timer_cancel, timer_start, timers_fire_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def fired(monkeypatch):
    seen: list[int] = []

    def handler(timer):
        if timer.payload.get("fail"):
            audit_record(entity="test", entity_id=timer.entity_id, action="half-done", actor=None)
            raise RuntimeError("处理失败")
        seen.append(timer.entity_id)

    monkeypatch.setattr(timers, "_handlers", {"test": handler})
    return seen


def start(number: int, *, minutes: int, **payload) -> Timer:
    return timer_start(kind="test", key=f"test:{number}", entity="test", entity_id=number,
                       due_at=timezone.now() + timedelta(minutes=minutes), payload=payload)


def test_only_due_timers_fire_oldest_first_and_only_once(fired):
    start(1, minutes=-5)
    start(2, minutes=-10)
    start(3, minutes=30)
    assert timers_fire_due() == 2
    assert fired == [2, 1]
    assert timers_fire_due() == 0
    assert Timer.objects.get(key="test:3").status == TimerStatus.PENDING


def test_starting_twice_keeps_one_pending_timer_and_cancel_stops_it(fired):
    first = start(1, minutes=-1)
    assert start(1, minutes=60).pk == first.pk
    assert timer_cancel(key="test:1", note="已处理") == 1
    assert timers_fire_due() == 0
    timer = Timer.objects.get(pk=first.pk)
    assert timer.status == TimerStatus.CANCELLED and timer.note == "已处理"
    assert start(1, minutes=-1).pk != first.pk  # a new clock may start after a cancel


def test_a_failing_handler_is_undone_marked_failed_and_does_not_stop_the_others(fired):
    start(1, minutes=-3, fail=True)
    start(2, minutes=-2)
    assert timers_fire_due() == 1
    assert fired == [2]
    failed = Timer.objects.get(key="test:1")
    assert failed.status == TimerStatus.FAILED and failed.note == "处理失败"
    assert not AuditEntry.objects.filter(action="half-done").exists()  # its own writes rolled back


def test_a_timer_without_a_handler_fails_visibly(monkeypatch):
    monkeypatch.setattr(timers, "_handlers", {})
    start(1, minutes=-1)
    assert timers_fire_due() == 0
    assert Timer.objects.get(key="test:1").status == TimerStatus.FAILED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_fire_each_timer_exactly_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    seen: list[int] = []
    lock = threading.Lock()

    def slow(timer):
        with lock:
            seen.append(timer.entity_id)

    monkeypatch.setattr(timers, "_handlers", {"test": slow})
    for number in range(300):
        start(number, minutes=-1)

    def sweep():
        try:
            timers_fire_due(chunk=20)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(300))
    assert Timer.objects.filter(status=TimerStatus.FIRED).count() == 300
