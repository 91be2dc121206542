"""C4: a customer's health radar — six scores from 0 to 100 computed from visits, won deals and visit signals,
each with its definition and the raw numbers behind it.

A dimension without the facts it needs is None ("数据不足"), never a zero: a customer nobody has visited has no
kept promises to count, which is not the same as broken ones. The scores describe the account, so they read all
of its visits and deals, not only those the viewer may open (the timeline beside the radar shows those).
"""

from __future__ import annotations

import calendar
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.pipeline.models import Opportunity
from shangji.visits.brief import action_outcomes
from shangji.visits.choices import OptionalField, Risk, VisitStatus
from shangji.visits.models import PointEntry, Visit, VisitPhoto, VisitSignal

RADAR_MIN_DIMENSIONS = 3  # fewer scored axes than this draw a line, not a shape: show the table alone


@dataclass
class Dimension:
    key: str
    label: str
    definition: str
    score: int | None
    inputs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Health:
    dimensions: list[Dimension]
    has_data: bool

    @property
    def scored(self) -> list[Dimension]:
        return [dimension for dimension in self.dimensions if dimension.score is not None]

    @property
    def radar_ready(self) -> bool:
        return self.has_data and len(self.scored) >= RADAR_MIN_DIMENSIONS

    def chart(self) -> dict:
        """ECharts radar data: the scored axes only (a missing score is not drawn as zero)."""
        scored = self.scored
        return {"indicators": [{"name": d.label, "max": 100} for d in scored],
                "values": [d.score for d in scored],
                "tips": [f"{d.label}：{d.score}\n{d.definition}" for d in scored]}


def months_ago(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st falls back to the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def _money(value: Decimal | None) -> str:
    return f"¥{(value or Decimal(0)):,.2f}"


def _won(customer_id: int | None, since: datetime, until: datetime):
    deals = Opportunity.objects.filter(stage__is_won=True, closed_at__gte=since, closed_at__lt=until)
    if customer_id is not None:
        deals = deals.filter(customer_id=customer_id)
    return deals


def _won_amount(customer_id: int, since: datetime, until: datetime) -> Decimal:
    return _won(customer_id, since, until).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def customer_health(customer, *, now: datetime | None = None) -> Health:
    now = now or timezone.now()
    days = setting("visits.health_window_days")
    since = now - timedelta(days=days)
    ever_visited = Visit.objects.filter(customer=customer, status=VisitStatus.RECORDED).exists()
    ever_won = Opportunity.objects.filter(customer=customer, stage__is_won=True).exists()
    visits = list(Visit.objects.filter(customer=customer, status=VisitStatus.RECORDED, visited_at__gte=since,
                                       visited_at__lt=now)
                  .only("id", "customer_id", "owner_id", "visited_at", "committed_action"))
    dimensions = [_frequency(visits, days), _commitment(visits, days), _risk(customer, visits, since, now, days),
                  _orders(customer, now), _depth(visits, days), _trend(customer, now)]
    return Health(dimensions=dimensions, has_data=ever_visited or ever_won)


def _frequency(visits: list[Visit], days: int) -> Dimension:
    expected = setting("visits.health_expected_visits")
    return Dimension(
        "frequency", _("拜访频率"),
        _("最近 %(days)s 天已记录的拜访次数与期望次数（%(expected)s 次）之比，达到期望即 100 分。")
        % {"days": days, "expected": expected},
        _clamp(len(visits) * 100 / expected),
        [(_("拜访次数"), str(len(visits))), (_("期望次数"), str(expected))])


def _commitment(visits: list[Visit], days: int) -> Dimension:
    measured, done = action_outcomes(visits)
    committed = sum(1 for visit in visits if visit.committed_action)
    return Dimension(
        "commitment", _("承诺兑现"),
        _("最近 %(days)s 天拜访中的承诺动作，在下一次拜访时标记“上次承诺已完成”的比例；还没有下一次拜访的承诺不计。")
        % {"days": days},
        _clamp(done * 100 / measured) if measured else None,
        [(_("承诺动作"), str(committed)), (_("已有下次拜访"), str(measured)), (_("已完成"), str(done))])


def _risk(customer, visits: list[Visit], since: datetime, now: datetime, days: int) -> Dimension:
    penalties = {Risk.HIGH: setting("visits.health_penalty_high"), Risk.MEDIUM: setting("visits.health_penalty_medium"),
                 Risk.LOW: setting("visits.health_penalty_low")}
    counts = dict(VisitSignal.objects.filter(customer=customer, found_at__gte=since, found_at__lt=now,
                                             risk__in=list(penalties))
                  .values("risk").annotate(n=Count("id")).values_list("risk", "n"))
    penalty = sum(penalties[risk] * counts.get(risk, 0) for risk in penalties)
    return Dimension(
        "risk", _("风险信号"),
        _("100 分减去最近 %(days)s 天拜访中出现的风险信号扣分（高 %(high)s、中 %(medium)s、低 %(low)s 分/个），"
          "最低 0 分；这段时间没有拜访则无从判断。")
        % {"days": days, "high": penalties[Risk.HIGH], "medium": penalties[Risk.MEDIUM], "low": penalties[Risk.LOW]},
        _clamp(100 - penalty) if visits else None,
        [(_("高风险信号"), str(counts.get(Risk.HIGH, 0))), (_("中风险信号"), str(counts.get(Risk.MEDIUM, 0))),
         (_("低风险信号"), str(counts.get(Risk.LOW, 0))), (_("合计扣分"), str(penalty))])


def _orders(customer, now: datetime) -> Dimension:
    months = setting("visits.health_order_months")
    since = months_ago(now, months)
    amount = _won_amount(customer.pk, since, now)
    per_customer = [total for total in _won(None, since, now).values("customer_id").annotate(total=Sum("amount"))
                    .values_list("total", flat=True) if total]
    median = statistics.median(per_customer) if per_customer else None
    return Dimension(
        "orders", _("订单贡献"),
        _("最近 %(months)s 个月赢单金额与公司有赢单客户的中位数之比：等于中位数 50 分，两倍及以上 100 分；"
          "公司这段时间没有赢单则无从比较。") % {"months": months},
        _clamp(float(amount / median) * 50) if median else None,
        [(_("本客户赢单金额"), _money(amount)), (_("公司客户中位数"), _money(median) if median else "—"),
         (_("有赢单的客户数"), str(len(per_customer)))])


def _depth(visits: list[Visit], days: int) -> Dimension:
    ids = [visit.pk for visit in visits]
    possible = len(OptionalField.values)
    completed = PointEntry.objects.filter(visit_id__in=ids).exclude(field="").count() if ids else 0
    photos = VisitPhoto.objects.filter(visit_id__in=ids).count() if ids else 0
    return Dimension(
        "depth", _("互动深度"),
        _("最近 %(days)s 天每次拜访平均完成的选填内容（照片、竞品价格、库存、备注等 %(n)s 项）所占比例。")
        % {"days": days, "n": possible},
        _clamp(completed * 100 / (len(visits) * possible)) if visits else None,
        [(_("拜访次数"), str(len(visits))), (_("完成选填项"), str(completed)), (_("照片"), str(photos))])


def _trend(customer, now: datetime) -> Dimension:
    months = setting("visits.health_trend_months")
    middle = months_ago(now, months)
    recent = _won_amount(customer.pk, middle, now)
    prior = _won_amount(customer.pk, months_ago(now, 2 * months), middle)
    largest = max(recent, prior)
    change = f"{(recent - prior) * 100 / prior:+.0f}%" if prior else "—"
    return Dimension(
        "trend", _("增长趋势"),
        _("最近 %(months)s 个月赢单金额与再往前 %(months)s 个月相比：持平 50 分，只有近期 100 分，只有前期 0 分；"
          "两段都没有赢单则无从判断。") % {"months": months},
        _clamp(50 + float((recent - prior) / largest) * 50) if largest else None,
        [(_("近期赢单金额"), _money(recent)), (_("前期赢单金额"), _money(prior)), (_("变化"), change)])
