"""Rollups of field visits for the manager's page (V2, V3, V4), written at write time.

Counting 500,000 visits, their photos and their pain keywords on each page view costs seconds; these two tables hold
the counts already made, a few rows per rep and day:

- `VisitDay`: one row per (rep, company-time day, customer city, record-delay bucket) with the recorded and the
  checked-in-only visits, the key actions done / missed / pending, check-ins per flag and photos per flag.
  The timeliness limit is a setting (`visits.record_within_hours`), so the rows do not store "timely": they store
  the delay rounded *up* to whole hours (a bucket). A delay d seconds is within h hours (d ≤ 3600·h) exactly when
  ⌈d / 3600⌉ ≤ h, because h is a whole number; so SUM(recorded) over the buckets ≤ h is the timely count for any h,
  and changing the setting needs no rebuild. Delays at or before the visit fall in bucket 0; delays past the
  largest value the setting accepts share one bucket (max + 1), which no allowed setting counts as timely.
- `VisitProblem`: one row per recorded visit and problem (a medium/high risk signal, or a pain keyword) with the
  visit's day, the rep, the rep's team, the customer and the customer's city. `prev_day` links each row to the
  previous one of the same (team, customer, problem), so "distinct customers of a team's problem in [a, b]" is the
  number of rows in [a, b] whose `prev_day` is before a (each customer's first row in the period).

The team of a row is the rep's team (org unit of kind team) when the row was written, and the city the customer's
city then: a rep who moves to another team keeps the days already rolled up in the old team until those days are
rebuilt. Days are dates in the company time zone (settings.TIME_ZONE); changing it needs `rebuild()`.

Services keep the rows right inside the visit's transaction: `refresh(keys)` recomputes the rows of each
(rep, day) from that rep's visits of the day (a visit created, changed, cancelled or moved to another day, a photo
added, an earlier visit's key action judged again). Bulk loads (the demo, the benchmark seed) call `rebuild()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from shangji.core.registry import REGISTRY
from shangji.org.choices import UnitKind
from shangji.visits.choices import CheckInFlag, Risk, VisitStatus
from shangji.visits.photos import PhotoFlag

HAPPENED = (VisitStatus.CHECKED_IN, VisitStatus.RECORDED)
PROBLEM_RISKS = (Risk.HIGH, Risk.MEDIUM)
SIGNAL, KEYWORD = "signal", "keyword"
VISIT_FIELDS = ("id", "owner_id", "customer_id", "customer__city_id", "status", "visited_at", "record_delay_s",
                "action_done", "checkin_flag", "pain_keywords")
CHECKIN_COLUMNS = {flag: f"checkin_{flag}" for flag in CheckInFlag.values}
PHOTO_COLUMNS = {flag: f"photo_{flag}" for flag in PhotoFlag.values}
COUNT_COLUMNS = ("recorded", "checked_in_only", "actions_done", "actions_missed", "actions_pending", "photos",
                 "photos_clean", *CHECKIN_COLUMNS.values(), *PHOTO_COLUMNS.values())
BATCH = 2000

Key = tuple[int, date]  # (rep id, company-time day)


def delay_cap() -> int:
    """The bucket of every delay longer than the longest limit the setting accepts."""
    return int(REGISTRY["visits.record_within_hours"].maximum) + 1


def delay_bucket(delay_s: int | None, *, cap: int | None = None) -> int | None:
    """The delay in whole hours, rounded up: ≤ h exactly when the delay is within h hours."""
    if delay_s is None:
        return None
    if delay_s <= 0:
        return 0
    return min(-(-delay_s // 3600), cap if cap is not None else delay_cap())


def company_day(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    return (timezone.make_aware(datetime.combine(day, time.min), zone),
            timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone))


def key_of(owner_id: int | None, visited_at: datetime | None) -> set[Key]:
    """The rollup key of a visit, as a set (empty for a visit with no time yet) to union with others."""
    return {(owner_id, company_day(visited_at))} if owner_id and visited_at else set()


def _models(apps=None):
    if apps is None:
        from shangji.org.models import User
        from shangji.visits.models import Visit, VisitDay, VisitPhoto, VisitProblem, VisitSignal
        return User, Visit, VisitPhoto, VisitSignal, VisitDay, VisitProblem
    return tuple(apps.get_model(*name.split(".")) for name in (
        "org.User", "visits.Visit", "visits.VisitPhoto", "visits.VisitSignal", "visits.VisitDay",
        "visits.VisitProblem"))


def _teams(User, owner_ids) -> dict[int, int | None]:
    return {pk: (unit if kind == UnitKind.TEAM else None) for pk, unit, kind in
            User.objects.filter(pk__in=list(owner_ids)).values_list("pk", "org_unit_id", "org_unit__kind")}


def build(visits: Iterable[dict], photos: dict[int, list], signals: dict[int, list], teams: dict[int, int | None],
          VisitDay, VisitProblem) -> tuple[list, list]:
    """The rollup rows of `visits` (dicts of VISIT_FIELDS); `photos` maps a visit id to its photos' flag lists,
    `signals` to its (kind, label, risk)."""
    cap = delay_cap()
    cells: dict[tuple, object] = {}
    problems = []
    for visit in visits:
        if visit["status"] not in HAPPENED or visit["visited_at"] is None:
            continue
        owner, city, day = visit["owner_id"], visit["customer__city_id"], company_day(visit["visited_at"])
        recorded = visit["status"] == VisitStatus.RECORDED
        bucket = delay_bucket(visit["record_delay_s"], cap=cap)
        key = (owner, day, city, bucket)
        row = cells.get(key)
        if row is None:
            row = cells[key] = VisitDay(owner_id=owner, day=day, city_id=city, team_id=teams.get(owner),
                                        delay_hours=bucket, **dict.fromkeys(COUNT_COLUMNS, 0))
        if recorded:
            row.recorded += 1
            done = visit["action_done"]
            column = "actions_pending" if done is None else "actions_done" if done else "actions_missed"
            setattr(row, column, getattr(row, column) + 1)
        else:
            row.checked_in_only += 1
        column = CHECKIN_COLUMNS.get(visit["checkin_flag"])
        if column:
            setattr(row, column, getattr(row, column) + 1)
        for flags in photos.get(visit["id"], ()):
            row.photos += 1
            if not flags:
                row.photos_clean += 1
            for flag in set(flags or ()):
                column = PHOTO_COLUMNS.get(flag)
                if column:
                    setattr(row, column, getattr(row, column) + 1)
        if not recorded:
            continue
        common = {"visit_id": visit["id"], "owner_id": owner, "customer_id": visit["customer_id"],
                  "team_id": teams.get(owner), "city_id": city, "day": day}
        for kind, label, risk in signals.get(visit["id"], ()):
            if risk in PROBLEM_RISKS:
                problems.append(VisitProblem(source=SIGNAL, code=kind, label=label, risk=risk, **common))
        words = visit["pain_keywords"] if isinstance(visit["pain_keywords"], list) else []
        for word in dict.fromkeys(word[:40] for word in words if isinstance(word, str) and word):
            problems.append(VisitProblem(source=KEYWORD, code=word, label=word, risk="", **common))
    return list(cells.values()), problems


def _facts(VisitPhoto, VisitSignal, visit_filter: Q) -> tuple[dict, dict]:
    photos: dict[int, list] = defaultdict(list)
    for visit_id, flags in VisitPhoto.objects.filter(visit_filter).values_list("visit_id", "flags"):
        photos[visit_id].append(flags if isinstance(flags, list) else [])
    signals: dict[int, list] = defaultdict(list)
    for visit_id, *facts in VisitSignal.objects.filter(visit_filter, risk__in=PROBLEM_RISKS).values_list(
            "visit_id", "kind", "label", "risk"):
        signals[visit_id].append(facts)
    return photos, signals


def refresh(keys: Iterable[Key]) -> None:
    """Recompute the rows of each (rep, day) from that rep's visits of the day, in the caller's transaction."""
    keys = {(owner, day) for owner, day in keys if owner and day}
    if not keys:
        return
    User, Visit, VisitPhoto, VisitSignal, VisitDay, VisitProblem = _models()
    owners = sorted({owner for owner, _day in keys})
    with transaction.atomic():
        # Two transactions refreshing the same rep's day would each delete what the other cannot see yet and
        # insert twice (PostgreSQL, read committed): the rep's row is the lock, taken in id order.
        list(User.objects.select_for_update().filter(pk__in=owners).order_by("pk").values_list("pk", flat=True))
        in_days, at_keys = Q(), Q()
        for owner, day in keys:
            start, end = day_bounds(day)
            in_days |= Q(owner_id=owner, visited_at__gte=start, visited_at__lt=end)
            at_keys |= Q(owner_id=owner, day=day)
        visits = list(Visit.objects.filter(in_days, status__in=HAPPENED).values(*VISIT_FIELDS))
        ids = [visit["id"] for visit in visits]
        photos, signals = _facts(VisitPhoto, VisitSignal, Q(visit_id__in=ids)) if ids else ({}, {})
        days, problems = build(visits, photos, signals, _teams(User, owners), VisitDay, VisitProblem)
        customers = set(VisitProblem.objects.filter(at_keys).values_list("customer_id", flat=True))
        VisitDay.objects.filter(at_keys).delete()
        VisitProblem.objects.filter(at_keys).delete()
        VisitDay.objects.bulk_create(days)
        VisitProblem.objects.bulk_create(problems)
        link_problems(customer_ids=customers | {problem.customer_id for problem in problems},
                      table=VisitProblem._meta.db_table)


def link_problems(*, customer_ids: set[int] | None, table: str) -> None:
    """Set each problem row's `prev_day` to the day of the row before it in its (team, customer, problem) chain,
    for the given customers' chains (all when None)."""
    if customer_ids is not None and not customer_ids:
        return
    where, params = "", []
    if customer_ids is not None:
        where = f"WHERE customer_id IN ({', '.join(['%s'] * len(customer_ids))})"
        params = sorted(customer_ids)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    sql = (f'UPDATE "{table}" SET prev_day = w.prev FROM ('
           f"SELECT id, LAG(day) OVER (PARTITION BY team_id, customer_id, source, code ORDER BY day, visit_id, id) "
           f'AS prev FROM "{table}" {where}) AS w WHERE "{table}".id = w.id AND "{table}".prev_day {differs} w.prev')
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild(*, apps=None, report=None) -> dict:
    """Throw the rollups away and compute them again from every visit (after a bulk load, or a change of time
    zone). `apps` is the migration's app registry when called from a migration."""
    User, Visit, VisitPhoto, VisitSignal, VisitDay, VisitProblem = _models(apps)
    counts = {"days": 0, "problems": 0}
    with transaction.atomic():
        VisitDay.objects.all().delete()
        VisitProblem.objects.all().delete()
        owners = sorted(Visit.objects.order_by().values_list("owner_id", flat=True).distinct())
        teams = _teams(User, owners)
        for number, owner in enumerate(owners, start=1):
            visits = Visit.objects.filter(owner_id=owner, status__in=HAPPENED, visited_at__isnull=False)
            photos, signals = _facts(VisitPhoto, VisitSignal,
                                     Q(visit__owner_id=owner, visit__status__in=HAPPENED))
            days, problems = build(visits.values(*VISIT_FIELDS).iterator(chunk_size=5000), photos, signals, teams,
                                   VisitDay, VisitProblem)
            VisitDay.objects.bulk_create(days, batch_size=BATCH)
            VisitProblem.objects.bulk_create(problems, batch_size=BATCH)
            counts["days"] += len(days)
            counts["problems"] += len(problems)
            if report and number % 50 == 0:
                report(f"rollups: reps {number}/{len(owners)}")
        link_problems(customer_ids=None, table=VisitProblem._meta.db_table)
    with connection.cursor() as cursor:  # the planner's statistics: SQLite picks the skip-scan index from them
        for model in (VisitDay, VisitProblem):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return counts
