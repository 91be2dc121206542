"""L5/L8 lead report: the funnel (线索 → 已分配 → 已联系 → 已转化 → 赢单) and conversion by source, campaign,
rep and team. Read-only selectors taking (user, filters), so the page and a later API share them.

Everything starts from `Lead.objects.visible_to(user)`: a rep's report counts only their own leads.
Counts and rates are database aggregates; medians and p90 need the individual durations, which are fetched
once for the filtered leads (one query for all four tables) and work the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.leads.choices import Source
from shangji.leads.models import Campaign, Lead
from shangji.org.choices import UnitKind
from shangji.org.models import OrgUnit

DIMENSIONS = ("source", "campaign", "owner", "team")
# Which Lead columns identify (and label) a row of each table.
_KEYS = {"source": ("source",), "campaign": ("campaign_id", "campaign__name", "campaign__cost"),
         "owner": ("owner_id", "owner__name", "owner__username"), "team": ("team_id", "team__name")}


@dataclass(frozen=True)
class ReportFilters:
    """Leads created on `start`…`end` (company-time dates, both included), optionally of one source, one
    campaign, or one org unit's subtree (by the lead's team)."""

    start: date
    end: date
    source: str = ""
    campaign_id: int | None = None
    unit_id: int | None = None


def default_filters(*, days: int = 90, today: date | None = None) -> ReportFilters:
    today = today or timezone.localdate()
    return ReportFilters(start=today - timedelta(days=days - 1), end=today)


def report_leads(*, user, filters: ReportFilters) -> QuerySet[Lead]:
    """The leads the report counts: visible to the user, created in the period, matching the filters."""
    tz = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(filters.start, time.min), tz)
    until = timezone.make_aware(datetime.combine(filters.end + timedelta(days=1), time.min), tz)
    leads = Lead.objects.visible_to(user).filter(created_at__gte=since, created_at__lt=until)
    if filters.source:
        leads = leads.filter(source=filters.source)
    if filters.campaign_id:
        leads = leads.filter(campaign_id=filters.campaign_id)
    if filters.unit_id:
        unit = OrgUnit.objects.filter(pk=filters.unit_id).values_list("path", flat=True).first()
        leads = leads.filter(team__path__startswith=unit) if unit else leads.none()
    return leads


def sla_minutes() -> int:
    return setting("leads.sla_remind_minutes")


def _counts(now: datetime) -> dict:
    """Aggregates every table and the funnel share. SLA (L5): first contact within the reminder limit of capture;
    a lead still inside that window and not yet contacted is not counted either way."""
    limit = timedelta(minutes=sla_minutes())
    return {
        "leads": Count("id"),
        "assigned": Count("id", filter=Q(assigned_at__isnull=False)),
        "contacted": Count("id", filter=Q(first_contact_at__isnull=False)),
        "converted": Count("id", filter=Q(converted_at__isnull=False)),
        "won": Count("id", filter=Q(converted_at__isnull=False, opportunity__stage__is_won=True)),
        "sla_due": Count("id", filter=Q(first_contact_at__isnull=False) | Q(created_at__lte=now - limit)),
        "sla_met": Count("id", filter=Q(first_contact_at__lte=F("created_at") + limit)),
    }


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int
    share_of_previous: float | None  # % of the previous step, None for the first


def lead_funnel(*, user, filters: ReportFilters, now: datetime | None = None) -> list[FunnelStep]:
    """线索 → 已分配 → 已联系 → 已转化 → 赢单; empty when there are no leads (the page says so)."""
    totals = report_leads(user=user, filters=filters).aggregate(**_counts(now or timezone.now()))
    if not totals["leads"]:
        return []
    labels = [("leads", _("线索")), ("assigned", _("已分配")), ("contacted", _("已联系")),
              ("converted", _("已转化")), ("won", _("赢单"))]
    steps, previous = [], None
    for key, label in labels:
        count = totals[key]
        share = None if previous is None else (100.0 * count / previous if previous else None)
        steps.append(FunnelStep(key=key, label=label, count=count, share_of_previous=share))
        previous = count
    return steps


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class ReportRow:
    key: object
    label: str
    leads: int
    contacted: int
    converted: int
    won: int
    sla_due: int
    sla_met: int
    contact_seconds: list[float] = field(default_factory=list, repr=False)
    conversion_seconds: list[float] = field(default_factory=list, repr=False)
    cost: Decimal | None = None  # campaign rows only

    @property
    def contacted_pct(self) -> float | None:
        return _percent(self.contacted, self.leads)

    @property
    def converted_pct(self) -> float | None:
        return _percent(self.converted, self.leads)

    @property
    def sla_met_pct(self) -> float | None:
        return _percent(self.sla_met, self.sla_due)

    @property
    def contact_median(self) -> float | None:
        return median(self.contact_seconds)

    @property
    def contact_p90(self) -> float | None:
        return percentile(self.contact_seconds, 0.9)

    @property
    def conversion_median(self) -> float | None:
        return median(self.conversion_seconds)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return (self.cost / self.leads).quantize(Decimal("0.01")) if self.cost is not None and self.leads else None

    @property
    def cost_per_conversion(self) -> Decimal | None:
        if self.cost is None or not self.converted:
            return None
        return (self.cost / self.converted).quantize(Decimal("0.01"))


def _label(dimension: str, values: dict) -> tuple[object, str, Decimal | None]:
    if dimension == "source":
        return values["source"], str(Source(values["source"]).label) if values["source"] in Source.values \
            else values["source"], None
    if dimension == "campaign":
        return values["campaign_id"], values["campaign__name"] or _("无市场活动"), values["campaign__cost"]
    if dimension == "owner":
        return values["owner_id"], values["owner__name"] or values["owner__username"] or _("未分配"), None
    return values["team_id"], values["team__name"] or _("未分配团队"), None


def lead_breakdowns(*, user, filters: ReportFilters, dimensions: tuple[str, ...] = DIMENSIONS,
                    now: datetime | None = None) -> dict[str, list[ReportRow]]:
    """One table per dimension (来源, 市场活动, 负责人, 团队), rows by lead count, largest first.
    Queries: one aggregate per dimension plus one for all durations."""
    now = now or timezone.now()
    leads = report_leads(user=user, filters=filters)
    counts = _counts(now)
    tables: dict[str, dict[object, ReportRow]] = {}
    for dimension in dimensions:
        rows = {}
        for values in leads.order_by().values(*_KEYS[dimension]).annotate(**counts):
            key, label, cost = _label(dimension, values)
            rows[key] = ReportRow(key=key, label=label, cost=cost, **{name: values[name] for name in (
                "leads", "contacted", "converted", "won", "sla_due", "sla_met")})
        tables[dimension] = rows
    columns = [_KEYS[d][0] for d in dimensions]
    timed = leads.filter(Q(first_contact_at__isnull=False) | Q(converted_at__isnull=False)).order_by()
    for row in timed.values_list(*columns, "created_at", "first_contact_at", "converted_at").iterator(
            chunk_size=2000):
        created, contacted, converted = row[-3:]
        for dimension, key in zip(dimensions, row[:-3], strict=True):
            target = tables[dimension].get(key)
            if target is None:
                continue
            if contacted is not None:
                target.contact_seconds.append(max(0.0, (contacted - created).total_seconds()))
            if converted is not None:
                target.conversion_seconds.append(max(0.0, (converted - created).total_seconds()))
    return {dimension: sorted(rows.values(), key=lambda r: (-r.leads, r.label))
            for dimension, rows in tables.items()}


def duration_text(seconds: float | None) -> str:
    """"42 分钟", "3.5 小时", "2.1 天"; "—" when there is nothing to measure."""
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 60:
        return _("%(n)s 分钟") % {"n": f"{minutes:.0f}"}
    if minutes < 48 * 60:
        return _("%(n)s 小时") % {"n": f"{minutes / 60:.1f}"}
    return _("%(n)s 天") % {"n": f"{minutes / 1440:.1f}"}


# Pick lists of the filter form. Campaign names and org units are not secret (like regions and cities).
def campaign_choices() -> QuerySet[Campaign]:
    return Campaign.objects.only("id", "name").order_by("-created_at", "-id")


def unit_choices() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.exclude(kind=UnitKind.COMPANY).order_by("path")
