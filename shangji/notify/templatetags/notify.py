"""`{% notification_bell %}`: the navbar bell whose unread badge htmx refreshes (A3)."""

from django import template

from shangji.notify.selectors import inbox_poll_seconds

register = template.Library()


@register.inclusion_tag("notify/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    user = getattr(context.get("request"), "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {"show": authenticated, "poll_seconds": inbox_poll_seconds() if authenticated else 0}
