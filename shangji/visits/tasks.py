"""Background jobs of field visits; each only wraps a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="3"))
def send_weekly_briefs() -> int:
    """V7, hourly: once the configured weekday and hour have come, every rep still without this week's
    《我的客户洞察简报》 gets it (the weekday and hour are settings, so the crontab itself stays hourly)."""
    from shangji.visits.services import briefs_send_due

    return briefs_send_due()
