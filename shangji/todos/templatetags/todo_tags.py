"""Display helpers of to-dos: the due badge and the home page's "我的待办" card."""

from django import template
from django.utils import timezone

from shangji.core.registry import setting
from shangji.todos import selectors

register = template.Library()


@register.inclusion_tag("todos/_due.html")
def task_due(task) -> dict:
    """Overdue (red, "已逾期 N 天/小时"), due today (amber), or just the due time."""
    context = {"task": task, "state": "none"}
    if task.due_at is None:
        return context
    now = timezone.now()
    if task.is_open and task.due_at < now:
        late = now - task.due_at
        return context | {"state": "overdue", "days": late.days, "hours": late.seconds // 3600}
    if task.is_open and task.due_at < selectors.today_end():
        return context | {"state": "today"}
    return context | {"state": "later"}


@register.inclusion_tag("todos/_home_card.html", takes_context=True)
def my_tasks_card(context) -> dict:
    user = context["request"].user
    return {"counts": selectors.task_counts(user=user),
            "upcoming": selectors.upcoming_tasks(user=user, limit=setting("todos.home_upcoming_count"))}
