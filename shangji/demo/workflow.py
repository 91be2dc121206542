"""The demo company's running workflow: to-dos on the reps' open deals and the clocks of the shipped time rules.

Loaded in bulk like the rest of the demo. Clocks that are already past due fire at the worker's first sweep
after `make demo`, so the inboxes show real stagnation warnings and feedback reminders computed by the rules.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from shangji.automation.engine import TIMER_KIND, rule_delay
from shangji.automation.models import Rule
from shangji.core.models import Timer
from shangji.org.choices import Role
from shangji.pipeline.models import Opportunity
from shangji.todos.models import Task

MAX_DEALS = 20_000  # a benchmark-sized load skips this: clocks for a million deals are not a demo
TASK_TITLES = ["电话回访：{}", "发送报价单：{}", "安排技术交流：{}", "确认采购流程：{}", "准备竞品对比：{}"]


def load_workflow(*, rng: random.Random, now: datetime) -> tuple[int, int]:
    """(to-dos, clocks) written for the open deals; nothing when the load is benchmark-sized."""
    open_deals = Opportunity.objects.filter(closed_at__isnull=True)
    if open_deals.count() > MAX_DEALS:
        return 0, 0
    deals = list(open_deals.filter(owner__role=Role.REP).values("pk", "name", "owner_id", "stage__name",
                                                                 "stage_entered_at"))
    tasks = []
    by_owner: dict[int, list[dict]] = {}
    for deal in deals:
        by_owner.setdefault(deal["owner_id"], []).append(deal)
    local_now = timezone.localtime(now)  # due times at office hours in the company time zone
    for owner_id, owned in by_owner.items():
        for number, (offset_days, done) in enumerate(((-3, False), (0, False), (2, False), (7, False), (-5, True))):
            deal = rng.choice(owned)
            due = (local_now + timedelta(days=offset_days)).replace(hour=rng.choice([10, 14, 17]), minute=0, second=0)
            title = TASK_TITLES[(owner_id + number) % len(TASK_TITLES)].format(deal["name"])[:200]
            tasks.append(Task(title=title, assignee_id=owner_id,
                              due_at=due, entity="opportunity", entity_id=deal["pk"],
                              status="done" if done else "open", done_at=due if done else None,
                              done_by_id=owner_id if done else None, created_by_id=owner_id, source="manual",
                              created_at=due - timedelta(days=3), updated_at=due if done else now))
    Task.objects.bulk_create(tasks, batch_size=2000)
    timers = []
    for rule in Rule.objects.filter(is_enabled=True, trigger="time_elapsed", entity="opportunity"):
        wanted = _stage_of(rule)
        for deal in deals:
            if wanted and deal["stage__name"] != wanted:
                continue
            timers.append(Timer(kind=TIMER_KIND, key=f"rule:{rule.pk}:opportunity:{deal['pk']}", entity="opportunity",
                                entity_id=deal["pk"], due_at=deal["stage_entered_at"] + rule_delay(rule),
                                payload={"rule": rule.pk, "chain": []}, created_at=now))
    Timer.objects.bulk_create(timers, batch_size=2000)
    return len(tasks), len(timers)


def _stage_of(rule: Rule) -> str:
    """The stage a shipped time rule's clock waits in (its start condition), or "" for any open stage."""
    from shangji.pipeline.models import Stage

    for item in (rule.start_conditions or {}).get("items", []):
        if item.get("field") == "stage" and item.get("op") == "eq":
            stage = Stage.objects.filter(pk=item.get("value")).first()
            return stage.name if stage else ""
    return ""



