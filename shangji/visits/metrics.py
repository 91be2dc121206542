"""The manager's numbers on field visits (V2, V3, V4): timeliness, key-action completion, photo and check-in
authenticity per rep, team and city, and the top recurring customer problems per team.

Read-only functions taking (user, filters); every row read is visible to the user (`visible_to(user)`), so a rep
gets their own numbers, a team lead the team's, a regional manager the region's and a director the company's.

The rates and the top problems are read from rollups the services write with each visit (VisitDay, VisitProblem;
see shangji/visits/rollups.py): a few rows per rep and day instead of every visit, photo and keyword. The database
groups them into (rep, city, team) cells — a few hundred rows however many visits — which are added up here into
reps, teams, cities and the total. A team in these numbers is the rep's team when the visits were written; a rep's
own row shows their team today. The recent-visits list reads the visits themselves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.core.visibility import scope_for
from shangji.org.choices import Role, UnitKind
from shangji.org.models import OrgUnit, User
from shangji.visits import rollups
from shangji.visits.choices import CheckInFlag, Risk, VisitStatus
from shangji.visits.models import SignalKind, Visit, VisitDay, VisitPhoto, VisitProblem, VisitSignal
from shangji.visits.photos import PhotoFlag

PROBLEM_RISKS = rollups.PROBLEM_RISKS
# The statuses of a visit that happened (a planned one has no visit time to judge; a cancelled one did not happen).
HAPPENED = rollups.HAPPENED


@dataclass(frozen=True)
class Period:
    """Company-time dates `start`…`end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (timezone.make_aware(datetime.combine(self.start, time.min), tz),
                timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz))

    def previous(self) -> Period:
        """The period of the same length just before this one (the trend of the top problems)."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass(frozen=True)
class Filters:
    period: Period
    team_id: int | None = None
    city_id: int | None = None


def last_days(days: int, *, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today - timedelta(days=days - 1), today)


def this_week(*, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today - timedelta(days=today.weekday()), today)


def timely_limit_s() -> int:
    return setting("visits.record_within_hours") * 3600


def _filtered(visits: QuerySet[Visit], filters: Filters) -> QuerySet[Visit]:
    if filters.team_id:
        visits = visits.filter(owner__org_unit_id=filters.team_id)
    if filters.city_id:
        visits = visits.filter(customer__city_id=filters.city_id)
    return visits


def period_visits(*, user, filters: Filters, period: Period | None = None) -> QuerySet[Visit]:
    """The visits the page counts: visible to the user, happened in the period, of the team and city chosen."""
    since, until = (period or filters.period).bounds()
    visits = Visit.objects.visible_to(user).filter(status__in=HAPPENED, visited_at__gte=since, visited_at__lt=until)
    return _filtered(visits, filters)


# ---------------------------------------------------------------------------------------------------------
# Rates per rep, team, city


@dataclass
class Row:
    """The counts of one rep, team, city or the total, and the rates the page shows (None when nothing to rate)."""

    key: int | None
    label: str
    visits: int = 0  # recorded visits
    checked_in_only: int = 0  # checked in, never recorded
    timed: int = 0  # recorded visits with both times known
    timely: int = 0
    actions_done: int = 0
    actions_missed: int = 0
    actions_pending: int = 0  # no later visit to the customer yet: neither done nor failed
    checkins: int = 0
    checkin_flags: dict[str, int] = field(default_factory=dict)
    photos: int = 0
    photos_clean: int = 0
    photo_flags: dict[str, int] = field(default_factory=dict)
    team: str = ""  # for rep rows

    def add(self, other: Row) -> None:
        for name in ("visits", "checked_in_only", "timed", "timely", "actions_done", "actions_missed",
                     "actions_pending", "checkins", "photos", "photos_clean"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.checkin_flags, other.checkin_flags), (self.photo_flags, other.photo_flags)):
            for flag, count in theirs.items():
                mine[flag] = mine.get(flag, 0) + count

    @property
    def timely_pct(self) -> float | None:
        return _pct(self.timely, self.timed)

    @property
    def action_pct(self) -> float | None:
        """Done among the judged (done + missed); pending actions are not failures yet."""
        return _pct(self.actions_done, self.actions_done + self.actions_missed)

    @property
    def checkin_ok_pct(self) -> float | None:
        return _pct(self.checkin_flags.get(CheckInFlag.OK, 0), self.checkins)

    @property
    def photo_clean_pct(self) -> float | None:
        return _pct(self.photos_clean, self.photos)

    @property
    def checkin_problems(self) -> list[tuple[str, int]]:
        """(label, count) of each check-in flag other than ok, most frequent first."""
        return _labelled(self.checkin_flags, CheckInFlag, skip=CheckInFlag.OK)

    @property
    def photo_problems(self) -> list[tuple[str, int]]:
        return _labelled(self.photo_flags, PhotoFlag)


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _labelled(counts: dict[str, int], choices, *, skip: str = "") -> list[tuple[str, int]]:
    items = [(str(choices(flag).label), count) for flag, count in counts.items() if count and flag != skip]
    return sorted(items, key=lambda item: (-item[1], item[0]))


@dataclass
class Metrics:
    total: Row
    reps: list[Row]
    teams: list[Row]
    cities: list[Row]
    timely_target: int
    action_target: int
    timely_hours: int


def _day_rows(*, user, filters: Filters) -> QuerySet[VisitDay]:
    """The rollup rows the page counts: visible to the user, in the period, of the team and city chosen."""
    rows = VisitDay.objects.visible_to(user).filter(day__gte=filters.period.start, day__lte=filters.period.end)
    if filters.team_id:
        rows = rows.filter(team_id=filters.team_id)
    if filters.city_id:
        rows = rows.filter(city_id=filters.city_id)
    return rows


def _sums(limit_hours: int) -> dict:
    """Aggregates named `n_<what>` (an annotation may not take a column's name)."""
    sums = {f"n_{column}": Sum(column) for column in rollups.COUNT_COLUMNS}
    # The delay buckets are whole hours rounded up, so "within h hours" is "bucket ≤ h" (see rollups).
    sums["n_timed"] = Sum("recorded", filter=Q(delay_hours__isnull=False))
    sums["n_timely"] = Sum("recorded", filter=Q(delay_hours__lte=limit_hours))
    return sums


def _row_from(values: dict, key, label: str = "") -> Row:
    row = Row(key=key, label=label, visits=values["recorded"], checked_in_only=values["checked_in_only"],
              timed=values["timed"] or 0, timely=values["timely"] or 0, actions_done=values["actions_done"],
              actions_missed=values["actions_missed"], actions_pending=values["actions_pending"],
              photos=values["photos"], photos_clean=values["photos_clean"])
    row.checkin_flags = {flag: values[column] for flag, column in rollups.CHECKIN_COLUMNS.items() if values[column]}
    row.checkins = sum(row.checkin_flags.values())
    row.photo_flags = {flag: values[column] for flag, column in rollups.PHOTO_COLUMNS.items() if values[column]}
    return row


def visit_metrics(*, user, filters: Filters) -> Metrics:
    """Per rep, team and city, and the total, for the visits the user may see in the period — from the rollups
    (one row per rep, day, city and delay bucket), grouped by the database into (rep, city, team) cells. A team
    here is the rep's team when the visits were written (see rollups)."""
    hours = setting("visits.record_within_hours")
    sums = _sums(hours)
    names = [name[2:] for name in sums]
    cells: list[tuple[int, int | None, int | None, Row]] = []
    query = (_day_rows(user=user, filters=filters).order_by().values_list("owner_id", "city_id", "team_id")
             .annotate(**sums))
    for owner_id, city_id, team_id, *counts in query:
        cells.append((owner_id, city_id, team_id, _row_from(dict(zip(names, counts, strict=True)), owner_id)))

    owner_ids = {owner for owner, _city, _team, _row in cells}
    if not filters.city_id:  # a rep who logged nothing is news too; not when one city's customers are asked for
        owner_ids |= set(_reps_in_view(user, filters))
    owners = list(User.objects.filter(pk__in=owner_ids).values_list("pk", "name", "username", "org_unit_id",
                                                                    "org_unit__kind"))
    rep_team = {pk: (unit if kind == UnitKind.TEAM else None) for pk, _name, _user, unit, kind in owners}
    unit_ids = {team for _o, _c, team, _r in cells if team} | {team for team in rep_team.values() if team} | {
        city for _o, city, _t, _r in cells if city}
    names_of = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    no_team, no_city = _("未分到团队"), _("客户未设地市")

    reps = {pk: Row(key=pk, label=name or username, team=names_of.get(rep_team[pk], no_team))
            for pk, name, username, _unit, _kind in owners}
    teams: dict[int | None, Row] = {}
    cities: dict[int | None, Row] = {}
    total = Row(key=None, label=_("合计"))
    for owner_id, city_id, team_id, cell in cells:
        reps[owner_id].add(cell)
        team = teams.get(team_id)
        if team is None:
            team = teams[team_id] = Row(key=team_id, label=names_of.get(team_id, no_team) if team_id else no_team)
        team.add(cell)
        city = cities.get(city_id)
        if city is None:
            city = cities[city_id] = Row(key=city_id, label=names_of.get(city_id, no_city) if city_id else no_city)
        city.add(cell)
        total.add(cell)
    for team_id in rep_team.values():  # teams whose reps logged nothing still show, with zeros
        if team_id is not None and team_id not in teams and (not filters.team_id or team_id == filters.team_id):
            teams[team_id] = Row(key=team_id, label=names_of.get(team_id, no_team))
    return Metrics(
        total=total,
        reps=sorted(reps.values(), key=lambda row: (row.team, row.label)),
        teams=sorted(teams.values(), key=lambda row: (row.key is None, row.label)),
        cities=sorted(cities.values(), key=lambda row: (row.key is None, -row.visits, row.label)),
        timely_target=setting("visits.timely_target_pct"), action_target=setting("visits.action_target_pct"),
        timely_hours=hours)


def _reps_in_view(user, filters: Filters) -> list[int]:
    """Active reps whose visits the user sees (by hierarchy, not by share), of the chosen team."""
    scope = scope_for(user)
    if scope.user_id is None:
        return []
    reps = User.objects.filter(is_active=True, role=Role.REP)
    if not scope.sees_all:
        reps = reps.filter(pk__in=scope.owner_ids)
    if filters.team_id:
        reps = reps.filter(org_unit_id=filters.team_id)
    return list(reps.values_list("pk", flat=True))


def team_choices(user) -> QuerySet[OrgUnit]:
    """The teams the user may filter by: every team for those who see the company, else their reps' teams."""
    teams = OrgUnit.objects.filter(kind=UnitKind.TEAM)
    scope = scope_for(user)
    if scope.sees_all:
        return teams.order_by("path")
    return teams.filter(members__pk__in=scope.owner_ids).distinct().order_by("path")


def city_choices() -> QuerySet[OrgUnit]:
    """Customer cities (names of places, which anyone may read)."""
    return OrgUnit.objects.filter(kind=UnitKind.CITY).order_by("path")


# ---------------------------------------------------------------------------------------------------------
# Top recurring problems (V2)


@dataclass
class Problem:
    """One recurring problem of a team: a signal kind (risk high/medium) or a pain keyword, with the number of
    distinct customers that raised it in the period and in the period before."""

    label: str
    source: str  # "signal" | "keyword"
    risk: str  # the signal's risk; "" for a keyword
    customers: int
    previous: int

    @property
    def change(self) -> int:
        return self.customers - self.previous


@dataclass
class TeamProblems:
    key: int | None
    label: str
    problems: list[Problem]


_RISK_RANK = {Risk.HIGH: 0, Risk.MEDIUM: 1, "": 2}


def top_problems(*, user, filters: Filters, limit: int = 5) -> list[TeamProblems]:
    """The `limit` problems raised by the most distinct customers per team in the period. Ties go to the higher
    risk (a dictionary signal before a free keyword), then to the name. A pain keyword containing a word of the
    signal dictionary is counted through its signal (the visit's tags are scanned too), not twice.

    Read from the VisitProblem rollup. Whoever sees the whole company (and has not narrowed it to one city) sees
    whole (team, customer, problem) chains, so the distinct customers in a period are the rows whose `prev_day`
    falls before it: a plain count the database answers from one index. Anyone else counts distinct customers of
    the rows they may see (their reps' rows only: a small share of the table). The period before is counted only
    for the problems shown (their trend)."""
    current, previous = filters.period, filters.period.previous()
    rows = VisitProblem.objects.visible_to(user).order_by()
    if filters.team_id:
        rows = rows.filter(team_id=filters.team_id)
    if filters.city_id:
        rows = rows.filter(city_id=filters.city_id)
    chained = scope_for(user).sees_all and not filters.city_id

    def customers(period: Period, rows=rows):
        """(team, source, code, distinct customers) of the rows in the period."""
        rows = rows.filter(day__gte=period.start, day__lte=period.end)
        if chained:
            first = Q(prev_day__isnull=True) | Q(prev_day__lt=period.start)
            return rows.values_list("team_id", "source", "code").annotate(n=Count("day", filter=first))
        return rows.values_list("team_id", "source", "code").annotate(n=Count("customer_id", distinct=True))

    dictionary: dict[str, tuple[str, str]] = {}
    words: set[str] = set()
    for code, label, risk, kind_words, active in SignalKind.objects.values_list("code", "label", "risk", "words",
                                                                               "is_active"):
        dictionary[code] = (label, risk)
        if active:
            words |= {word for word in kind_words or [] if isinstance(word, str) and word}
    words = sorted(words)
    in_dictionary = re.compile("|".join(map(re.escape, words))).search if words else lambda _text: None
    counts = [row for row in customers(current)
              if row[3] and (row[1] == rollups.SIGNAL or not in_dictionary(row[2]))]
    unknown = {code for _team, source, code, _n in counts if source == rollups.SIGNAL and code not in dictionary}
    stored = ({code: (label, risk) for code, label, risk in rows.filter(
        source=rollups.SIGNAL, code__in=unknown, day__gte=current.start, day__lte=current.end).values_list(
        "code").annotate(Max("label"), Min("risk"))} if unknown else {})
    found: dict[int | None, list[tuple]] = defaultdict(list)
    for team, source, code, n in counts:
        if source == rollups.SIGNAL:
            label, risk = dictionary[code] if code in dictionary else stored.get(code, (code, Risk.MEDIUM))
        else:
            label, risk = code, ""
        found[team].append((n, _RISK_RANK.get(risk, 2), label, source, code, risk))
    top = {team: sorted(problems, key=lambda p: (-p[0], p[1], p[2]))[:limit] for team, problems in found.items()}
    # The trend only for the problems shown: the period before is read for their codes alone (a filter inside the
    # index scan; an OR of (team, problem) pairs makes PostgreSQL leave the index for the table).
    codes = {code for problems in top.values() for *_rank, _source, code, _risk in problems}
    earlier = {(team, source, code): n for team, source, code, n in customers(previous, rows.filter(code__in=codes))
               } if codes else {}
    team_names = dict(OrgUnit.objects.filter(pk__in=[team for team in top if team]).values_list("pk", "name"))
    result = []
    for team_id, problems in top.items():
        label = team_names.get(team_id, _("未分到团队")) if team_id else _("未分到团队")
        result.append(TeamProblems(key=team_id, label=label, problems=[
            Problem(name, source, risk, n, earlier.get((team_id, source, code), 0))
            for n, _rank, name, source, code, risk in problems]))
    return sorted(result, key=lambda team: (team.key is None, team.label))


# ---------------------------------------------------------------------------------------------------------
# Recent visits with their flags


def recent_count(*, user, filters: Filters, data: Metrics | None = None) -> int | None:
    """How many visits `recent_visits` lists, from the rollups (the visits' own COUNT(*) reads every visit of the
    period): the happened visits of the user's reps in the period. None when a team or a city is chosen — the list
    filters by the rep's team and the customer's city today, the rollups keep those of when the visit was written."""
    if filters.team_id or filters.city_id:
        return None
    if data is not None:
        return data.total.visits + data.total.checked_in_only
    return _day_rows(user=user, filters=filters).aggregate(n=Sum("recorded") + Sum("checked_in_only"))["n"] or 0


def recent_visits(*, user, filters: Filters) -> QuerySet[Visit]:
    """The period's visits, newest first, with the columns the list shows (see `with_flags` for their flags)."""
    return (period_visits(user=user, filters=filters)
            .select_related("customer", "customer__city", "owner")
            .only("id", "status", "visited_at", "committed_action", "record_delay_s", "device_clock_off",
                  "checkin_flag", "checkin_distance_m", "action_done", "customer__id", "customer__name",
                  "customer__city__id", "customer__city__name", "owner__id", "owner__name", "owner__username")
            .order_by("-visited_at", "-id"))


def with_flags(visits: list[Visit]) -> list[tuple[Visit, list[Flag]]]:
    """Each visit of a page with its flags; the photos' flags and the signals of the page's visits are read in two
    queries (a related manager per visit costs more than the queries)."""
    ids = [visit.pk for visit in visits]
    photos: dict[int, list] = defaultdict(list)
    for visit_id, flags in VisitPhoto.objects.filter(visit_id__in=ids).values_list("visit_id", "flags"):
        photos[visit_id].append(flags)
    signals: dict[int, list] = defaultdict(list)
    for visit_id, label, risk in (VisitSignal.objects.filter(visit_id__in=ids, risk__in=PROBLEM_RISKS)
                                  .order_by("id").values_list("visit_id", "label", "risk")):
        signals[visit_id].append((label, risk))
    limit_s = timely_limit_s()
    return [(visit, visit_flags(visit, limit_s=limit_s, photos=photos[visit.pk], signals=signals[visit.pk]))
            for visit in visits]


@dataclass(frozen=True)
class Flag:
    text: str
    tone: str  # a Bootstrap colour: danger, warning, secondary, success


def visit_flags(visit: Visit, *, limit_s: int, photos: list, signals: list) -> list[Flag]:
    """What a manager should notice about one visit: late record, phone clock, check-in, photos, action, signals.
    `photos` holds the flag lists of its photos, `signals` the (label, risk) of its medium and high signals."""
    flags = []
    if visit.status == VisitStatus.CHECKED_IN:
        flags.append(Flag(_("已签到未记录"), "warning"))
    if visit.record_delay_s is not None and visit.record_delay_s > limit_s:
        flags.append(Flag(_("记录延迟 %(hours)s 小时") % {"hours": f"{visit.record_delay_s / 3600:.1f}"}, "danger"))
    if visit.device_clock_off:
        flags.append(Flag(_("手机时间异常"), "warning"))
    if visit.checkin_flag and visit.checkin_flag != CheckInFlag.OK:
        text = CheckInFlag(visit.checkin_flag).label
        if visit.checkin_flag == CheckInFlag.FAR and visit.checkin_distance_m is not None:
            text = _("签到距客户 %(m)s 米") % {"m": visit.checkin_distance_m}
        flags.append(Flag(str(text), "danger" if visit.checkin_flag == CheckInFlag.FAR else "secondary"))
    elif not visit.checkin_flag and visit.status == VisitStatus.RECORDED:
        flags.append(Flag(_("未签到"), "secondary"))
    photo_flags: dict[str, int] = {}
    for codes in photos:
        for code in codes or []:
            photo_flags[code] = photo_flags.get(code, 0) + 1
    for code, count in photo_flags.items():
        label = PhotoFlag(code).label if code in PhotoFlag.values else code
        flags.append(Flag(f"{label} ×{count}" if count > 1 else str(label), "warning"))
    if visit.action_done is False:
        flags.append(Flag(_("承诺动作未完成"), "danger"))
    for label, risk in signals:
        flags.append(Flag(label, "danger" if risk == Risk.HIGH else "warning"))
    return flags
