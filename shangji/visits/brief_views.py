"""/visits/brief/ (V7): my latest 《我的客户洞察简报》 and the earlier weeks; a manager opens the briefs of the reps
they can see (others answer 404). The rep may build this week's brief at once instead of waiting for Friday."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.registry import setting
from shangji.visits import selectors, services
from shangji.visits.brief import SHOWN_PER_SECTION, brief_sentences

OTHERS_SHOWN = 50  # rows of the team's briefs on the index: a layout choice


def _context(brief) -> dict:
    sections = brief.sections
    sentences = brief_sentences(sections)
    return {"brief": brief, "sentences": sentences, "sections": sections,
            "risk_rows": list(zip(sentences["risk"], sections["risk"]["groups"], strict=False)),
            "product_rows": list(zip(sentences["products"], sections["products"]["items"], strict=False)),
            "shown": SHOWN_PER_SECTION}


def _schedule() -> dict:
    weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
    return {"brief_weekday": weekdays[setting("visits.brief_weekday") - 1], "brief_hour": setting("visits.brief_hour")}


@login_required
def brief_index(request):
    briefs = selectors.brief_list(user=request.user)
    mine = list(briefs.filter(rep=request.user))
    others = list(briefs.exclude(rep=request.user)[:OTHERS_SHOWN])
    context = {"mine": mine, "others": others, "earlier": mine[1:]} | _schedule()
    if mine:
        context |= _context(mine[0])
    return render(request, "visits/brief.html", context)


@login_required
def brief_detail(request, pk: int):
    brief = selectors.brief_get(user=request.user, pk=pk)
    earlier = list(selectors.brief_list(user=request.user).filter(rep_id=brief.rep_id).exclude(pk=brief.pk))
    return render(request, "visits/brief.html", _context(brief) | _schedule() | {"earlier": earlier, "is_detail": True})


@login_required
@require_POST
def brief_generate(request):
    """The rep's own brief for the 7 days ending today (at most one per day: pressing again opens it)."""
    brief, created = services.brief_send(rep=request.user, week_end=timezone.localdate(), actor=request.user)
    if created:
        messages.success(request, _("已生成本周简报，并发送到你的通知中心。"))
    else:
        messages.info(request, _("今天已经生成过简报，以下是当时的内容。"))
    return redirect("visit_brief:detail", pk=brief.pk)
