"""Reads for the leads workspace (L1–L8). Everything starts from `Lead.objects.visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.leads.choices import OPEN_STATUSES, LeadStatus
from shangji.leads.models import Campaign, Lead, LeadAssignment, LeadTouch, NurtureEnrollment
from shangji.org.choices import Role
from shangji.org.models import User
from shangji.org.selectors import user_list


class Queue:
    """The tabs of the lead workspace."""

    MINE = "mine"
    TEAM = "team"
    SILENT = "silent"
    ALL = "all"
    ALL_QUEUES = (MINE, TEAM, SILENT, ALL)


def priority_order(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """L3 priority ranking: highest score first, then the newest."""
    return leads.order_by(F("score").desc(nulls_last=True), "-created_at", "-id")


def lead_list(*, user) -> QuerySet[Lead]:
    return Lead.objects.visible_to(user).select_related("owner", "campaign", "industry", "city", "region", "team")


def lead_queue(*, user, queue: str, leads: QuerySet[Lead] | None = None) -> QuerySet[Lead]:
    """One tab: my open leads, my team's unassigned queue, the silent pool, or everything visible."""
    leads = lead_list(user=user) if leads is None else leads
    if queue == Queue.MINE:
        return leads.filter(owner=user, status__in=OPEN_STATUSES)
    if queue == Queue.TEAM:
        return leads.filter(owner__isnull=True, status=LeadStatus.QUEUED)
    if queue == Queue.SILENT:
        return leads.filter(silent_since__isnull=False, status__in=OPEN_STATUSES)
    return leads


def lead_get(*, user, pk: int) -> Lead:
    """The lead if the user may see it; 404 otherwise (never reveal that it exists)."""
    leads = Lead.objects.visible_to(user).select_related(
        "owner", "campaign", "industry", "city", "region", "team", "created_by", "customer", "opportunity")
    return get_object_or_404(leads, pk=pk)


def lead_assignments(*, lead: Lead) -> QuerySet[LeadAssignment]:
    return lead.assignments.select_related("from_owner", "to_owner", "team", "actor")


def lead_touches(*, lead: Lead) -> QuerySet[LeadTouch]:
    return lead.touches.select_related("by")


def lead_nurture(*, lead: Lead) -> QuerySet[NurtureEnrollment]:
    return lead.nurture.select_related("sequence")


def assignable_users(*, user) -> QuerySet[User]:
    """People the user may hand a lead to: reps and managers in the user's scope."""
    return user_list(user=user).filter(role__in=(Role.REP, Role.MANAGER)).order_by("org_unit__name", "name")


def campaign_choices() -> QuerySet[Campaign]:
    # Campaign names are not secret (like org units): the filter lists them all.
    return Campaign.objects.order_by("-created_at", "-id")


def lead_search_q(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    return Q(name__icontains=text) | Q(company__icontains=text) | Q(phone__contains=text) | Q(email__icontains=text)


@dataclass(frozen=True)
class Response:
    """First response (L5) of one lead: how long capture → first contact took, or whether it is overdue."""

    seconds: int | None
    overdue: bool
    waiting_seconds: int | None

    @property
    def text(self) -> str:
        return duration_text(self.seconds)

    @property
    def waiting_text(self) -> str:
        return duration_text(self.waiting_seconds)


def duration_text(seconds: int | None) -> str:
    """12 分钟 / 3.5 小时 / 2.0 天 — the unit a person would say."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s 分钟") % {"n": max(0, seconds) // 60}
    if seconds < 86400:
        return _("%(n).1f 小时") % {"n": seconds / 3600}
    return _("%(n).1f 天") % {"n": seconds / 86400}


def first_response(lead: Lead, now=None) -> Response:
    if lead.first_contact_at is not None:
        return Response(int((lead.first_contact_at - lead.created_at).total_seconds()), False, None)
    if lead.assigned_at is None or lead.status not in OPEN_STATUSES:
        return Response(None, False, None)
    now = now or timezone.now()
    waiting = now - lead.assigned_at
    # L5: the reminder limit is the first-response promise shown to the rep.
    return Response(None, waiting > timedelta(minutes=setting("leads.sla_remind_minutes")),
                    int(waiting.total_seconds()))


def score_band(score: int | None) -> str:
    """hot (≥ leads.hot_score), nurture (< leads.nurture_below_score) or warm."""
    if score is None:
        return "none"
    if score >= setting("leads.hot_score"):
        return "hot"
    if score < setting("leads.nurture_below_score"):
        return "cold"
    return "warm"
