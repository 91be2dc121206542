"""Nightly purge: dispatched events, finished timers and rule runs older than the kept days go; the rest stays."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shangji.automation.models import Rule, RuleRun
from shangji.core.models import AuditEntry, Event, Timer, TimerStatus
from shangji.core.services import audit_record, history_purge, setting_update

pytestmark = pytest.mark.django_db


def test_old_history_is_purged_and_pending_or_recent_rows_are_kept(actors):
    setting_update(key="core.history_keep_days", raw_value="30", actor=actors.sales_ops)
    now = timezone.now()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    for at in (old, recent):
        Event.objects.create(name="x", entity="test", entity_id=1, created_at=at, dispatched_at=at)
        Timer.objects.create(kind="t", key=f"done:{at}", entity="test", entity_id=1, due_at=at, created_at=at,
                             status=TimerStatus.FIRED, finished_at=at)
        RuleRun.objects.create(rule=Rule.objects.first(), entity="test", entity_id=1, outcome="not_matched",
                               ran_at=at)
    Event.objects.create(name="undispatched", entity="test", entity_id=1, created_at=old)
    Timer.objects.create(kind="t", key="waiting", entity="test", entity_id=1, due_at=old, created_at=old)
    audit_record(entity="test", entity_id=1, action="kept", actor=None)
    AuditEntry.objects.filter(action="kept").update(at=old)

    assert history_purge(chunk=1) == 3
    assert set(Event.objects.values_list("name", flat=True)) == {"x", "undispatched"}
    assert Event.objects.filter(name="x").get().dispatched_at == recent
    assert set(Timer.objects.values_list("key", flat=True)) == {f"done:{recent}", "waiting"}
    assert RuleRun.objects.get().ran_at == recent
    assert AuditEntry.objects.filter(action="kept").exists()
