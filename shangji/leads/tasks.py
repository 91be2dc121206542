"""Background jobs of the leads engine; each only wraps a service."""

from __future__ import annotations

import time
from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from shangji.core.registry import setting
from shangji.core.tasks import run_at_worker_start

# Set while a processing task is queued and has not started yet: captures in the meantime need no task of their
# own. The value is the time it was set (a marker whose task was lost is cleared by the sweep).
WAKE_KEY = "leads.process-new.wake"


def wake_processing() -> None:
    """After a deferred capture commits: queue a processing task unless one is queued and not started yet. The
    task clears the marker before it reads, so a lead committed before this call is either read by that task
    or, once the marker is gone, wakes a task of its own."""
    if HUEY.put_if_empty(WAKE_KEY, time.time()):
        process_new_leads()


@db_task(priority=50)  # ahead of event dispatch: scan-to-rep is the latency users feel
def process_new_leads() -> int:
    """Leads from the public form or API: tag, score, assign and notify every lead waiting."""
    from shangji.leads.services import leads_process_waiting

    HUEY.delete(WAKE_KEY)
    return leads_process_waiting()


@db_periodic_task(crontab(minute="*"))
def sweep_new_leads() -> int:
    """Safety net: leads whose processing task was lost (a web process died between commit and wake-up, or a
    worker with the task). A marker older than the sweep's wait is cleared, so later captures wake a task again
    (if its task was only slow, the next capture queues one more, which finds little to do)."""
    from shangji.leads.services import STUCK_AFTER_SECONDS, leads_process_stuck

    marked = HUEY.get(WAKE_KEY, peek=True)
    if marked is not None and time.time() - marked > STUCK_AFTER_SECONDS:
        HUEY.delete(WAKE_KEY)
    return leads_process_stuck()


run_at_worker_start(sweep_new_leads)


@HUEY.on_startup()
def warm_up_segmentation() -> None:
    """The first lead a worker tags must not wait a second for jieba's dictionary."""
    from shangji.leads.tagging import warm_up

    warm_up()


@db_periodic_task(crontab(hour="2", minute="41"))
def retrain_scoring_model() -> int | None:
    """L3: nightly check; retrain when the active model is older than leads.retrain_days (or there is none)."""
    from django.utils import timezone

    from shangji.leads.models import ScoringModel
    from shangji.leads.score import scoring_model_train

    newest = ScoringModel.objects.filter(is_active=True).values_list("trained_at", flat=True).first()
    if newest is not None and timezone.now() - newest < timedelta(days=setting("leads.retrain_days")) - timedelta(
            hours=1):
        return None
    record = scoring_model_train()
    return record.pk if record else None


@db_periodic_task(crontab(minute="7"))
def mark_silent_leads() -> int:
    """L7, hourly: contacted leads without progress for leads.silent_days enter the silent pool."""
    from shangji.leads.services import leads_mark_silent

    return leads_mark_silent()
