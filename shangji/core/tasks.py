"""Worker tasks of the core: they only wrap functions, so business code never depends on Huey."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from shangji.core.events import dispatch_pending


@db_periodic_task(crontab(minute="*"))
@lock_task("dispatch-events")
def dispatch_events() -> int:
    return dispatch_pending()
