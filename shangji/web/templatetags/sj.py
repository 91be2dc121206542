"""Small display helpers shared by every page."""

from decimal import Decimal

from django import template
from django.utils import timezone, translation
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def money(value) -> str:
    """CNY with thousands separators and 2 decimals; large sums shown in 万 (in millions outside Chinese)."""
    if value is None or value == "":
        return "0.00"
    amount = Decimal(value)
    if abs(amount) >= Decimal("1000000"):
        if (translation.get_language() or "zh").startswith("zh"):
            return f"{amount / Decimal('10000'):,.1f}万"
        # Other languages group large numbers by thousands: 1,234,567 → "1.23M" (English).
        return pgettext("money in millions", "%(amount)s百万") % {"amount": f"{amount / Decimal('1000000'):,.2f}"}
    return f"{amount:,.2f}"


@register.filter
def days_since(moment) -> int:
    return (timezone.now() - moment).days if moment else 0


@register.filter
def duration_days(seconds) -> str:
    if seconds is None:
        return "—"
    days = seconds / 86400
    return f"{days:.1f}" if days < 10 else f"{days:.0f}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination links keep the filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()
