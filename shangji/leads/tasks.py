"""Background jobs of the leads engine; each only wraps a service."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from shangji.core.registry import setting
from shangji.core.tasks import run_at_worker_start


@db_task(priority=50)  # ahead of event dispatch: scan-to-rep is the latency users feel
def process_lead(lead_id: int) -> bool:
    """A lead from the public form or API: tag, score, assign and notify (enqueued after its commit)."""
    from shangji.leads.services import lead_process_new

    return lead_process_new(lead_id=lead_id)


@db_periodic_task(crontab(minute="*"))
def sweep_new_leads() -> int:
    """Safety net: leads whose processing task was lost (a web process died between commit and enqueue)."""
    from shangji.leads.services import leads_process_stuck

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
