"""Background jobs of the leads engine; each only wraps a service."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from shangji.core.registry import setting


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
