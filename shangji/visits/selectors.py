"""Reads of field visits, always through visible_to(user) (DESIGN rule 2)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from shangji.visits.models import Visit, VisitPhoto, VisitRecording, VisitSignal


def visit_list(*, user) -> QuerySet[Visit]:
    return (Visit.objects.visible_to(user).select_related("customer", "owner", "focus_product", "objection")
            .prefetch_related(Prefetch("photos", queryset=VisitPhoto.objects.order_by("created_at", "id")),
                              Prefetch("recordings", queryset=VisitRecording.objects.order_by("created_at", "id")),
                              Prefetch("signals", queryset=VisitSignal.objects.order_by("id")))
            .order_by("-visited_at", "-id"))


def visit_get(*, user, pk: int) -> Visit:
    return get_object_or_404(visit_list(user=user), pk=pk)


def plan_for(*, user, day) -> QuerySet[Visit]:
    """The rep's own visits for `day` (V1 today's plan): planned for it or visited on it, cancelled ones left out,
    in plan order."""
    from datetime import datetime, time, timedelta

    from django.db.models import Q
    from django.utils import timezone

    from shangji.customers.models import Customer
    from shangji.visits.choices import VisitStatus

    start = timezone.make_aware(datetime.combine(day, time.min))
    on_day = Q(planned_on=day) | Q(planned_on__isnull=True, visited_at__gte=start,
                                   visited_at__lt=start + timedelta(days=1))
    # A customer handed to someone else leaves the plan (its visits stay on record for the managers).
    return (Visit.objects.visible_to(user).filter(on_day, owner=user,
                                                  customer__in=Customer.objects.visible_to(user).values("pk"))
            .exclude(status=VisitStatus.CANCELLED)
            .select_related("customer", "focus_product", "objection").order_by("plan_position", "id"))


def recent_tags(*, user, field: str, visits: int) -> list[str]:
    """The tags (`pain_keywords` or `key_demands`) of the rep's latest `visits` records, most recent first, once each:
    the typeahead of the visit form."""
    rows = (Visit.objects.visible_to(user).filter(owner=user).exclude(**{field: []})
            .order_by("-visited_at", "-id").values_list(field, flat=True)[:visits])
    return list(dict.fromkeys(tag for tags in rows for tag in tags if isinstance(tag, str)))


# ---------------------------------------------------------------------------------------------------------
# Points (V1): my ledger and the leaderboard

LEADERBOARD_PERIODS = ("week", "month", "quarter")
LEADERBOARD_SCOPES = ("team", "company")


def period_start(period: str, *, now=None):
    """Midnight (company time zone) of the first day of this week (Monday), month or quarter."""
    from datetime import datetime, time

    from django.utils import timezone

    today = timezone.localdate(now)
    if period == "week":
        first = today.fromordinal(today.toordinal() - today.weekday())
    elif period == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    else:
        first = today.replace(day=1)
    return timezone.make_aware(datetime.combine(first, time.min))


def point_ledger(*, user) -> QuerySet:
    """The rep's own ledger, newest first: what each visit's fields earned and what rewards cost."""
    from shangji.visits.models import PointEntry

    return (PointEntry.objects.filter(user=user).select_related("visit__customer", "reward")
            .order_by("-created_at", "-id"))


def points_leaderboard(*, user, period: str, scope: str, size: int) -> tuple[list[dict], dict | None]:
    """Points earned in the period (redemptions do not lower a rank), highest first: the top `size` and, when
    the user is not among them, the user's own row. A leaderboard shows names and points only — never anyone's
    visits. `team` is the user's org unit and everything under it (a rep's team, a manager's region)."""
    from django.db.models import Sum

    from shangji.org.models import User
    from shangji.visits.models import PointEntry

    earned = PointEntry.objects.filter(points__gt=0, created_at__gte=period_start(period))
    if scope == "team" and user.org_unit_id is not None:
        earned = earned.filter(user__org_unit__path__startswith=user.org_unit.path)
    totals = list(earned.order_by().values("user").annotate(total=Sum("points")).order_by("-total", "user"))
    ranked, rank, previous = [], 0, None
    for position, row in enumerate(totals, start=1):
        if row["total"] != previous:
            rank, previous = position, row["total"]
        ranked.append({"user_id": row["user"], "points": row["total"], "rank": rank})
    index = next((i for i, row in enumerate(ranked) if row["user_id"] == user.pk), None)
    mine = ranked[index] if index is not None else None
    shown = ranked[:size] + ([mine] if index is not None and index >= size else [])
    people = User.objects.select_related("org_unit").in_bulk([row["user_id"] for row in shown])
    for row in shown:
        person = people[row["user_id"]]
        row.update(name=person.display_name, unit=person.org_unit.name if person.org_unit else "",
                   is_me=person.pk == user.pk)
    return shown, mine


# ---------------------------------------------------------------------------------------------------------
# Objection help (V6): the talk tracks and a local success case

CASE_BASES = (("city", "industry"), ("city",), ("industry",))


def objection_help(*, user, objection_id: int, customer_id: int) -> dict:
    """Standard answers to the objection and a success case near the customer (404 when the customer is not
    visible to the user). The case may come from any customer of the company — a deliberate exception to O2 like
    C1's lookup — so it carries only the customer's name, city, industry, the amount and the date: no contacts."""
    from django.utils.translation import gettext as _

    from shangji.customers.models import Customer
    from shangji.visits.models import ObjectionType

    customer = get_object_or_404(Customer.objects.visible_to(user).select_related("city", "industry"),
                                 pk=customer_id)
    objection = get_object_or_404(ObjectionType.objects.prefetch_related("talk_tracks"), pk=objection_id)
    labels = {("city", "industry"): _("同城同行业"), ("city",): _("同城"), ("industry",): _("同行业")}
    case, basis = None, ""
    for fields in CASE_BASES:
        if all(getattr(customer, f"{name}_id") for name in fields):
            case = _success_case(customer, objection, fields)
            if case is not None:
                basis = labels[fields]
                break
    return {"objection": objection.name,
            "talk_tracks": [{"title": track.title, "answer": track.answer}
                            for track in sorted(objection.talk_tracks.all(), key=lambda t: (t.sequence, t.id))],
            "case": case, "case_basis": basis}


def _success_case(customer, objection, fields: tuple[str, ...]) -> dict | None:
    """The won deal at another customer sharing `fields` with this one: first those where a visit logged the same
    objection before the win, then the most recent win."""
    from django.db.models import Exists, OuterRef

    from shangji.pipeline.models import Opportunity
    from shangji.visits.choices import VisitStatus

    objection_visits = Visit.objects.filter(customer=OuterRef("customer"), objection=objection,
                                            status=VisitStatus.RECORDED, visited_at__lte=OuterRef("closed_at"))
    deal = (Opportunity.objects.filter(stage__is_won=True, closed_at__isnull=False,
                                       customer__merged_into__isnull=True,
                                       **{f"customer__{name}_id": getattr(customer, f"{name}_id") for name in fields})
            .exclude(customer=customer).annotate(met_objection=Exists(objection_visits))
            .select_related("customer__city", "customer__industry")
            .order_by("-met_objection", "-closed_at", "-id").first())
    if deal is None:
        return None
    visits = Visit.objects.filter(customer=deal.customer_id, status=VisitStatus.RECORDED,
                                  visited_at__lte=deal.closed_at).order_by("-visited_at", "-id")
    visit = visits.filter(objection=objection).first() if deal.met_objection else visits.first()
    return {"customer": deal.customer.name, "city": deal.customer.city.name if deal.customer.city else "",
            "industry": deal.customer.industry.name if deal.customer.industry else "",
            "summary": _case_summary(deal, visit, objection if deal.met_objection else None),
            "won_on": _local_day(deal.closed_at).isoformat(), "amount": str(deal.amount)}


def _local_day(moment):
    from django.utils import timezone

    return timezone.localtime(moment).date()


def _case_summary(deal, visit, objection) -> str:
    """One sentence from the deal and the visit before the win: the products, the objection and what the rep
    committed to, how long after that visit it was won, the amount."""
    from django.utils.translation import gettext as _

    products = list(dict.fromkeys(line.product.name for line in deal.lines.select_related("product")))
    text = deal.name + (_("（产品：%(products)s）") % {"products": "、".join(products[:3])} if products else "")
    if visit is not None:
        days = (_local_day(deal.closed_at) - _local_day(visit.visited_at)).days
        said = (_("%(day)s 拜访时客户提出“%(objection)s”") % {"day": _local_day(visit.visited_at).isoformat(),
                                                              "objection": objection.name} if objection else
                _("%(day)s 最后一次拜访") % {"day": _local_day(visit.visited_at).isoformat()})
        text += _("：%(said)s，销售承诺“%(action)s”，%(days)s 天后赢单") % {
            "said": said, "action": visit.committed_action or _("未填写"), "days": days}
    else:
        text += _("：%(day)s 赢单") % {"day": _local_day(deal.closed_at).isoformat()}
    return text + _("，金额 %(amount)s 元。") % {"amount": f"{deal.amount:,.2f}"}


def customer_visit_timeline(*, user, customer, limit: int) -> list[Visit]:
    """C4: the customer's visits the user may see (cancelled plans left out), newest first, with signals and
    photo counts (how many carry authenticity flags, and which)."""
    from shangji.visits.choices import VisitStatus
    from shangji.visits.photos import PhotoFlag

    visits = list(visit_list(user=user).filter(customer=customer).exclude(status=VisitStatus.CANCELLED)[:limit])
    labels = dict(PhotoFlag.choices)
    for visit in visits:
        photos = list(visit.photos.all())
        visit.photo_count = len(photos)
        visit.flagged_photos = sum(1 for photo in photos if photo.flags)
        visit.photo_flag_labels = sorted({str(labels.get(flag, flag)) for photo in photos for flag in photo.flags})
    return visits


def brief_list(*, user):
    """V7: the weekly briefs the user may see (their own; a manager's subtree's reps'), newest week first."""
    from shangji.visits.models import WeeklyBrief

    return WeeklyBrief.objects.visible_to(user).select_related("rep").order_by("-week_start", "-id")


def brief_get(*, user, pk: int):
    return get_object_or_404(brief_list(user=user), pk=pk)
