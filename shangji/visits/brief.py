"""V7: the weekly brief 《我的客户洞察简报》 — what a rep's visits of the last 7 days say, computed from data.

`build_brief` returns the facts as JSON-ready sections (names, counts, amounts, dates); `brief_sentences` writes
the sentences from them in the reader's language when the brief is shown or sent. Nothing here is a canned
sentence: every sentence is a template filled with computed values, and a section with nothing to report says so
(本周无 …).

"The rep's customers" are the customers they own plus those they visited in the period: a rep covering a
colleague's account hears about what they saw there.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shangji.core.registry import setting
from shangji.customers.choices import Grade
from shangji.customers.models import Customer
from shangji.pipeline.models import Opportunity, OpportunityLine, Product
from shangji.visits.choices import Risk, VisitStatus
from shangji.visits.models import SignalKind, Visit, VisitSignal

WEEK_DAYS = 7  # a weekly brief covers one week by definition; the thresholds inside it are settings
RISKS = (Risk.HIGH, Risk.MEDIUM)
CENTS = Decimal("0.01")  # SQLite sums come back as 50000, PostgreSQL's as 50000.00
SHOWN_PER_SECTION = 10  # rows listed per section on the page; the counts cover every row


@dataclass(frozen=True)
class Period:
    """The week a brief covers, in the company's time zone: [start, as_of), as_of being the end of `week_end` or
    the moment the brief was built, whichever is earlier."""

    week_start: date
    week_end: date
    start: datetime
    as_of: datetime


def brief_period(*, week_end: date, now: datetime | None = None) -> Period:
    now = now or timezone.now()
    week_start = week_end - timedelta(days=WEEK_DAYS - 1)
    start = timezone.make_aware(datetime.combine(week_start, time.min))
    end = timezone.make_aware(datetime.combine(week_end + timedelta(days=1), time.min))
    return Period(week_start=week_start, week_end=week_end, start=start, as_of=min(now, end))


def build_brief(rep, *, week_end: date, now: datetime | None = None) -> dict:
    """The sections of `rep`'s brief for the 7 days ending `week_end` (see the module docstring)."""
    period = brief_period(week_end=week_end, now=now)
    customer_ids = _rep_customer_ids(rep, period)
    return {
        "period": {"start": period.week_start.isoformat(), "end": period.week_end.isoformat(),
                   "as_of": period.as_of.isoformat(), "days": WEEK_DAYS},
        "risk": _new_risks(customer_ids, period),
        "competitors": _competitors(rep, customer_ids, period),
        "overdue": _overdue(rep, period),
        "products": _products(rep, period),
    }


def _rep_customer_ids(rep, period: Period) -> set[int]:
    owned = Customer.objects.filter(owner=rep, merged_into__isnull=True).values_list("pk", flat=True)
    visited = Visit.objects.filter(owner=rep, status=VisitStatus.RECORDED, visited_at__gte=period.start,
                                   visited_at__lt=period.as_of).values_list("customer_id", flat=True)
    return set(owned) | set(visited)


def _local_day(moment: datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


# ---------------------------------------------------------------------------------------------------------
# New risk signals


def _new_risks(customer_ids: set[int], period: Period) -> dict:
    """High/medium signals of the week at the rep's customers that the customer had not shown in the lookback
    before the week, grouped by signal and customer grade ("你的 3 家 A 级客户在近 7 天提到竞品进场")."""
    lookback = period.start - timedelta(days=setting("visits.brief_signal_lookback_days"))
    signals = (VisitSignal.objects.filter(customer_id__in=customer_ids, risk__in=RISKS, found_at__gte=period.start,
                                          found_at__lt=period.as_of)
               .select_related("customer").order_by("found_at", "id"))
    seen_before = set(VisitSignal.objects.filter(customer_id__in=customer_ids, found_at__gte=lookback,
                                                 found_at__lt=period.start)
                      .values_list("customer_id", "kind"))
    groups: dict[tuple[str, str], dict] = {}
    counted: set[tuple[int, str]] = set()
    for signal in signals:
        key = (signal.customer_id, signal.kind)
        if key in seen_before or key in counted:
            continue
        counted.add(key)
        customer = signal.customer
        group = groups.setdefault((signal.kind, customer.grade), {
            "kind": signal.kind, "label": signal.label, "risk": signal.risk, "grade": customer.grade,
            "customers": []})
        group["customers"].append({"id": customer.pk, "name": customer.name, "snippet": signal.snippet,
                                   "on": _local_day(signal.found_at), "visit_id": signal.visit_id})
    risk_rank = {risk: rank for rank, risk in enumerate(RISKS)}
    ordered = sorted(groups.values(), key=lambda g: (risk_rank[g["risk"]], -len(g["customers"]), g["grade"],
                                                     g["label"]))
    return {"customer_count": len({customer_id for customer_id, _kind in counted}), "groups": ordered,
            "lookback_days": setting("visits.brief_signal_lookback_days")}


# ---------------------------------------------------------------------------------------------------------
# Competitor mentions


def competitor_kinds() -> set[str]:
    """Signal codes that are competitor news (a setting), plus dictionary kinds whose label names a competitor."""
    words = setting("visits.brief_competitor_words").split()
    kinds = set(setting("visits.brief_competitor_kinds").split())
    kinds |= {code for code, label in SignalKind.objects.values_list("code", "label")
              if any(word in label for word in words)}
    return kinds


def _is_competitor(signal: VisitSignal, kinds: set[str], words: list[str]) -> bool:
    return signal.kind in kinds or any(word in signal.word for word in words)


def _competitors(rep, customer_ids: set[int], period: Period) -> dict:
    """Competitor signals and competitor prices of the week, per customer; a price is set against the list price
    of the product the rep pushed in that visit."""
    kinds, words = competitor_kinds(), setting("visits.brief_competitor_words").split()
    per_customer: dict[int, dict] = {}

    def entry(customer: Customer) -> dict:
        return per_customer.setdefault(customer.pk, {"id": customer.pk, "name": customer.name,
                                                     "grade": customer.grade, "mentions": [], "prices": []})

    word_q = Q()
    for word in words:
        word_q |= Q(word__contains=word)
    signals = (VisitSignal.objects.filter(customer_id__in=customer_ids, found_at__gte=period.start,
                                          found_at__lt=period.as_of)
               .filter(Q(kind__in=kinds) | word_q if words else Q(kind__in=kinds))
               .select_related("customer").order_by("found_at", "id"))
    for signal in signals:
        if _is_competitor(signal, kinds, words):
            entry(signal.customer)["mentions"].append({"label": signal.label, "snippet": signal.snippet,
                                                       "on": _local_day(signal.found_at)})
    priced = (Visit.objects.filter(customer_id__in=customer_ids, status=VisitStatus.RECORDED,
                                   competitor_price__isnull=False, visited_at__gte=period.start,
                                   visited_at__lt=period.as_of)
              .select_related("customer", "focus_product").order_by("visited_at", "id"))
    for visit in priced:
        product = visit.focus_product
        diff = None
        if product is not None and product.list_price:
            diff = round(float((visit.competitor_price - product.list_price) / product.list_price * 100), 1)
        entry(visit.customer)["prices"].append({
            "price": str(visit.competitor_price), "on": _local_day(visit.visited_at),
            "product": product.name if product else "", "list_price": str(product.list_price) if product else "",
            "diff_pct": diff})
    customers = sorted(per_customer.values(), key=lambda c: (-len(c["mentions"]) - len(c["prices"]), c["name"]))
    return {"customer_count": len(customers), "mention_count": sum(len(c["mentions"]) for c in customers),
            "price_count": sum(len(c["prices"]) for c in customers), "customers": customers}


# ---------------------------------------------------------------------------------------------------------
# Overdue follow-ups


def _overdue(rep, period: Period) -> dict:
    """The rep's recorded visits whose 下次跟进时间 has passed with no later recorded visit to that customer (by
    anyone): one row per customer, the most overdue first."""
    candidates = (Visit.objects.filter(owner=rep, status=VisitStatus.RECORDED, next_follow_up_at__lt=period.as_of)
                  .select_related("customer").order_by("customer_id", "-visited_at", "-id"))
    latest: dict[int, Visit] = {}
    for visit in candidates:
        latest.setdefault(visit.customer_id, visit)
    if not latest:
        return {"count": 0, "items": []}
    later = set(Visit.objects.filter(status=VisitStatus.RECORDED, visited_at__lt=period.as_of)
                .filter(_later_than_any(latest.values())).values_list("customer_id", flat=True))
    items = []
    for customer_id, visit in latest.items():
        if customer_id in later:
            continue
        days = math.ceil((period.as_of - visit.next_follow_up_at) / timedelta(days=1))  # 3 h late counts as 1 day
        items.append({"customer_id": customer_id, "customer": visit.customer.name, "visit_id": visit.pk,
                      "due_on": _local_day(visit.next_follow_up_at), "days_overdue": days,
                      "committed_action": visit.committed_action})
    items.sort(key=lambda item: (-item["days_overdue"], item["customer"]))
    return {"count": len(items), "items": items}


def _later_than_any(visits) -> Q:
    condition = Q(pk__in=[])
    for visit in visits:
        condition |= Q(customer_id=visit.customer_id, visited_at__gt=visit.visited_at)
    return condition


# ---------------------------------------------------------------------------------------------------------
# Focus products: the rep against peers


def action_outcomes(visits: list[Visit]) -> tuple[int, int]:
    """(measured, done) for visits with a committed action (V4 key actions): a commitment is measured once a later
    recorded visit to the same customer exists, and done when that next visit says 上次承诺已完成."""
    committed = [visit for visit in visits if visit.committed_action and visit.visited_at]
    if not committed:
        return 0, 0
    earliest = min(visit.visited_at for visit in committed)
    timeline: dict[int, list[tuple[datetime, int, bool | None]]] = defaultdict(list)
    for customer_id, visited_at, pk, done in (
            Visit.objects.filter(customer_id__in={v.customer_id for v in committed}, status=VisitStatus.RECORDED,
                                 visited_at__gt=earliest)
            .order_by("visited_at", "id").values_list("customer_id", "visited_at", "id", "previous_action_done")):
        timeline[customer_id].append((visited_at, pk, done))
    measured = done = 0
    for visit in committed:
        later = timeline.get(visit.customer_id, [])
        position = bisect.bisect_right([(at, pk) for at, pk, _done in later], (visit.visited_at, visit.pk))
        if position < len(later):
            measured += 1
            done += later[position][2] is True
    return measured, done


def _performance(visits: list[Visit], product_id: int, since: datetime, until: datetime) -> dict:
    customers = {visit.customer_id for visit in visits}
    measured, done = action_outcomes(visits)
    # A subquery, not a join on lines: a deal with the product on two lines is still one deal and one amount.
    with_product = OpportunityLine.objects.filter(product_id=product_id).values("opportunity_id")
    won = (Opportunity.objects.filter(customer_id__in=customers, stage__is_won=True, closed_at__gte=since,
                                      closed_at__lt=until, pk__in=with_product)
           .aggregate(count=Count("id"), amount=Sum("amount")))
    return {"visits": len(visits), "customers": len(customers), "reps": len({visit.owner_id for visit in visits}),
            "measured": measured, "done": done, "done_pct": round(done * 100 / measured, 1) if measured else None,
            "won_count": won["count"] or 0,
            "won_amount": str((won["amount"] or Decimal(0)).quantize(CENTS))}


def _products(rep, period: Period) -> dict:
    """The products the rep pushed (今日主推产品) this week — or, in a week without any, in the comparison window —
    and how each fares at peers' customers in the same window: customers visited, key actions kept, deals won."""
    peer_days = setting("visits.brief_peer_days")
    since = period.as_of - timedelta(days=peer_days)
    recorded = Visit.objects.filter(status=VisitStatus.RECORDED, focus_product__isnull=False,
                                    visited_at__gte=since, visited_at__lt=period.as_of)
    mine = recorded.filter(owner=rep)
    week_counts = dict(mine.filter(visited_at__gte=period.start).values("focus_product_id")
                       .annotate(n=Count("id")).values_list("focus_product_id", "n"))
    window_counts = dict(mine.values("focus_product_id").annotate(n=Count("id"))
                         .values_list("focus_product_id", "n"))
    ranked = sorted(week_counts or window_counts, key=lambda pk: (-week_counts.get(pk, 0), -window_counts[pk], pk))
    chosen = ranked[: setting("visits.brief_products")]
    names = dict(Product.objects.filter(pk__in=chosen).values_list("pk", "name"))
    rows = []
    for product_id in chosen:
        visits = list(recorded.filter(focus_product_id=product_id).only(
            "id", "customer_id", "owner_id", "visited_at", "committed_action"))
        own = [visit for visit in visits if visit.owner_id == rep.pk]
        peers = [visit for visit in visits if visit.owner_id != rep.pk]
        rows.append({"product_id": product_id, "product": names.get(product_id, ""),
                     "visits_week": week_counts.get(product_id, 0), "visits_window": window_counts[product_id],
                     "mine": _performance(own, product_id, since, period.as_of),
                     "peers": _performance(peers, product_id, since, period.as_of)})
    return {"days": peer_days, "items": rows}


# ---------------------------------------------------------------------------------------------------------
# Sentences


def _grade_label(grade: str) -> str:
    return str(Grade(grade).label) if grade in Grade.values else grade


def _pct(value) -> str:
    return "—" if value is None else f"{value:g}%"


def _yuan(amount: str) -> str:
    return f"¥{Decimal(amount):,.2f}"


def _names(rows: list[dict], key: str = "name") -> str:
    names = [row[key] for row in rows[:3]]
    text = _("、").join(names)
    return text + (_(" 等 %(n)s 家") % {"n": len(rows)} if len(rows) > 3 else "")


def brief_sentences(sections: dict) -> dict[str, list[str]]:
    """The brief's findings as sentences, per section, written from the stored facts."""
    days = sections["period"]["days"]
    risk, competitors = sections["risk"], sections["competitors"]
    overdue, products = sections["overdue"], sections["products"]
    out: dict[str, list[str]] = {"risk": [], "competitors": [], "overdue": [], "products": []}
    for group in risk["groups"]:
        out["risk"].append(_("你的 %(n)s 家 %(grade)s客户在近 %(days)s 天提到“%(label)s”：%(names)s。") % {
            "n": len(group["customers"]), "grade": _grade_label(group["grade"]), "days": days,
            "label": group["label"], "names": _names(group["customers"])})
    if not out["risk"]:
        out["risk"].append(_("本周无新的风险信号。"))
    if competitors["customers"]:
        out["competitors"].append(
            _("近 %(days)s 天 %(n)s 家客户出现竞品动态（提及 %(mentions)s 次、竞品报价 %(prices)s 条）：%(names)s。")
            % {"days": days, "n": competitors["customer_count"], "mentions": competitors["mention_count"],
               "prices": competitors["price_count"], "names": _names(competitors["customers"])})
        for customer in competitors["customers"]:
            for price in customer["prices"]:
                if price["diff_pct"] is not None:
                    out["competitors"].append(
                        _("%(customer)s的竞品报价 %(price)s，比“%(product)s”标准价 %(list)s %(direction)s "
                          "%(diff)s%%。") % {
                            "customer": customer["name"], "price": _yuan(price["price"]), "product": price["product"],
                            "list": _yuan(price["list_price"]), "diff": f"{abs(price['diff_pct']):g}",
                            "direction": pgettext("比标准价", "低") if price["diff_pct"] < 0
                            else pgettext("比标准价", "高")})
    else:
        out["competitors"].append(_("本周无竞品动态。"))
    if overdue["items"]:
        worst = overdue["items"][0]
        out["overdue"].append(_("%(n)s 家客户的跟进已逾期，最久的是%(customer)s（%(due)s 到期，已逾期 %(days)s 天）。")
                              % {"n": overdue["count"], "customer": worst["customer"], "due": worst["due_on"],
                                 "days": worst["days_overdue"]})
    else:
        out["overdue"].append(_("本周无逾期跟进。"))
    for row in products["items"]:
        mine, peers = row["mine"], row["peers"]
        if peers["visits"]:
            out["products"].append(
                _("你主推的“%(product)s”：近 %(days)s 天同事在 %(customers)s 家客户处主推，承诺兑现率 %(pct)s，"
                  "赢单 %(won)s 笔（%(amount)s）；你在 %(my_customers)s 家客户处主推，承诺兑现率 %(my_pct)s，"
                  "赢单 %(my_won)s 笔（%(my_amount)s）。") % {
                    "product": row["product"], "days": products["days"], "customers": peers["customers"],
                    "pct": _pct(peers["done_pct"]), "won": peers["won_count"], "amount": _yuan(peers["won_amount"]),
                    "my_customers": mine["customers"], "my_pct": _pct(mine["done_pct"]), "my_won": mine["won_count"],
                    "my_amount": _yuan(mine["won_amount"])})
        else:
            out["products"].append(
                _("你主推的“%(product)s”：近 %(days)s 天没有同事主推，无可比较；你在 %(my_customers)s 家客户处主推，"
                  "承诺兑现率 %(my_pct)s，赢单 %(my_won)s 笔（%(my_amount)s）。") % {
                    "product": row["product"], "days": products["days"], "my_customers": mine["customers"],
                    "my_pct": _pct(mine["done_pct"]), "my_won": mine["won_count"],
                    "my_amount": _yuan(mine["won_amount"])})
    if not out["products"]:
        out["products"].append(_("本周无主推产品记录。"))
    return out


def brief_summary(sections: dict) -> str:
    """One line per section for the notification: the first sentence of each."""
    sentences = brief_sentences(sections)
    return "\n".join(sentences[key][0] for key in ("risk", "competitors", "overdue", "products"))
