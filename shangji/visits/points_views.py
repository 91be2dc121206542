"""/visits/points/ (V1): my balance and ledger, the leaderboard (this week / month / quarter; my team or the whole
company), and the rewards points buy. Every signed-in user has a ledger; a leaderboard shows others' names and
points, never their visits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.registry import setting
from shangji.visits import selectors, services
from shangji.visits.models import Reward

LEDGER_PAGE_SIZE = 20  # rows per page of the ledger: a layout choice


def _choice(raw: str, allowed: tuple[str, ...], default: str) -> str:
    return raw if raw in allowed else default


@login_required
def points_index(request):
    period = _choice(request.GET.get("period", ""), selectors.LEADERBOARD_PERIODS, "month")
    scope = _choice(request.GET.get("scope", ""), selectors.LEADERBOARD_SCOPES, "team")
    if request.user.org_unit_id is None:
        scope = "company"
    board, mine = selectors.points_leaderboard(user=request.user, period=period, scope=scope,
                                               size=setting("visits.leaderboard_size"))
    ledger = Paginator(selectors.point_ledger(user=request.user), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    balance = services.points_balance(user=request.user)
    rewards = list(Reward.objects.filter(is_active=True).order_by("cost", "id"))
    for reward in rewards:
        reward.short_by = max(0, reward.cost - balance)
    periods = [("week", _("本周")), ("month", _("本月")), ("quarter", _("本季度"))]
    scopes = [("team", request.user.org_unit.name if request.user.org_unit_id else _("本团队")),
              ("company", _("全公司"))]
    return render(request, "visits/points.html", {
        "balance": balance, "ledger": ledger, "board": board, "mine": mine, "rewards": rewards,
        "period": period, "scope": scope, "periods": periods, "scopes": scopes,
        "period_label": dict(periods)[period], "since": selectors.period_start(period),
        "per_field": setting("visits.points_per_field")})


@login_required
@require_POST
def points_redeem(request, pk: int):
    reward = get_object_or_404(Reward, pk=pk)
    try:
        services.reward_redeem(actor=request.user, reward=reward)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已兑换“%(reward)s”，消耗 %(cost)s 积分；已通知你的主管安排兑现。")
                         % {"reward": reward.name, "cost": reward.cost})
    return redirect("visit_points:index")
