"""Worker tasks of the notification center: each delivery is its own task, so a slow receiver only ever
holds up its own message. Tasks only wrap services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shangji.core.tasks import run_at_worker_start
from shangji.notify import services


@db_task(priority=100)  # first: a waiting rep's message never queues behind new work or rule bookkeeping
def deliver(delivery_id: int) -> str:
    """One attempt at one delivery (enqueued after the commit that wrote it; retries are scheduled)."""
    return services.delivery_attempt(delivery_id=delivery_id).status


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries() -> int:
    """Safety net: deliveries abandoned by a killed worker, and due ones whose task was lost, are sent again."""
    services.deliveries_reclaim_stale()
    due = services.deliveries_due()
    for delivery_id in due:
        deliver(delivery_id)
    return len(due)


run_at_worker_start(sweep_deliveries)  # a restarted worker resends what a killed one left at once
