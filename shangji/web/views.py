"""Home page: what the signed-in user should look at now, over what they may see."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from shangji.core.registry import setting
from shangji.customers.selectors import customer_list
from shangji.pipeline.selectors import opportunity_list, stuck_before


@login_required
def home(request):
    user = request.user
    deals = opportunity_list(user=user)
    today = timezone.localdate()
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    open_deals = deals.filter(closed_at__isnull=True)
    since = timezone.now() - timedelta(days=30)
    stats = deals.order_by().aggregate(
        open_count=Count("pk", filter=Q(closed_at__isnull=True)),
        open_sum=Sum("amount", filter=Q(closed_at__isnull=True)),
        won_sum=Sum("amount", filter=Q(stage__is_won=True, closed_at__gte=since)),
        won_count=Count("pk", filter=Q(stage__is_won=True, closed_at__gte=since)),
        stuck_count=Count("pk", filter=Q(closed_at__isnull=True, stage_entered_at__lt=stuck_before())),
        closing_count=Count("pk", filter=Q(closed_at__isnull=True, expected_close_date__gte=today,
                                           expected_close_date__lte=month_end)),
    )
    context = {
        "stats": stats,
        "closing": open_deals.filter(expected_close_date__gte=today, expected_close_date__lte=month_end)
        .order_by("expected_close_date")[:8],
        "stuck": open_deals.filter(stage_entered_at__lt=stuck_before()).order_by("stage_entered_at")[:8],
        "recent_customers": customer_list(user=user).order_by("-created_at")[:6],
        "month_end": month_end,
        "stuck_days": setting("pipeline.stuck_days"),
    }
    return render(request, "web/home.html", context)
