"""The manager's rollups (shangji/visits/rollups.py): the delay buckets answer any timeliness limit, and after a
random run of syncs, late deliveries, moved and cancelled visits and photo uploads through the services, the page's
numbers read from the rollups equal a brute-force count over the visits, and the rows equal a rebuild from scratch."""

import random
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shangji.conftest import make_customer
from shangji.core.services import setting_update
from shangji.visits import metrics, rollups
from shangji.visits.models import SignalKind, Visit, VisitDay, VisitPhoto, VisitProblem, VisitSignal
from shangji.visits.services import visit_photo_add, visits_sync
from shangji.visits.tests.test_photos import make_exif, photo

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 20)
KEYWORDS = ["交期长", "包装差", "缺货", "价格太高", "账期短", "样品不足"]
NOTES = ["", "门店反馈缺货严重", "客户说竞品降价了", "客户投诉包装破损", "一切正常，下次再谈", "回款慢，资金紧张"]


def test_a_delay_is_within_h_hours_exactly_when_its_bucket_is_at_most_h():
    cap = rollups.delay_cap()
    assert cap == 73  # one past the longest limit the setting accepts (72 h)
    assert [rollups.delay_bucket(d) for d in (None, -300, 0, 1, 3600, 3601, 7200, 7201, 10**7)] == [
        None, 0, 0, 1, 1, 2, 2, 3, cap]
    for delay in [*range(-10, 11), *range(3590, 3611), *range(7190, 7211), *range(0, 80 * 3600, 997)]:
        for hours in range(1, 73):
            assert (rollups.delay_bucket(delay) <= hours) == (delay <= hours * 3600), (delay, hours)


def _at(day_offset: int, hour: float) -> datetime:
    return datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI) - timedelta(days=day_offset) + timedelta(hours=hour)


def _payload(rng, customer, visited_at, status) -> dict:
    near = rng.random() < 0.6
    position = {} if rng.random() < 0.15 else {
        "checkin_latitude": float(customer.latitude or 31.2) + (0.0005 if near else 0.05),
        "checkin_longitude": float(customer.longitude or 121.4)}
    return {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": status,
            "visited_at": visited_at.isoformat(), "checked_in_at": visited_at.isoformat(),
            "pain_keywords": rng.sample(KEYWORDS, rng.randint(1, 3)), "committed_action": "发送报价单",
            "next_follow_up_at": (visited_at + timedelta(days=3)).isoformat(), "notes": rng.choice(NOTES),
            "previous_action_done": rng.choice([True, True, False, None]), **position}


def _sync(actor, moment, item):
    with time_machine.travel(moment, tick=False):
        result, = visits_sync(actor=actor, items=[item])
    assert result.outcome in ("created", "updated", "unchanged"), result  # unchanged: a "change" to what it was
    return result


def _photo(rng, visit, moment):
    customer = visit.customer
    kind = rng.choice(["shelf", "competitor", "chat", "other"])
    choice = rng.random()
    if choice < 0.3:
        data = photo(None)  # no EXIF
    else:
        taken = visit.visited_at + timedelta(minutes=5 if choice < 0.7 else -400)
        far = 0.0 if choice < 0.5 else 0.2
        data = photo(make_exif(taken=taken.astimezone(SHANGHAI).strftime("%Y:%m:%d %H:%M:%S"), offset="+08:00",
                               position=(float(customer.latitude) + far, float(customer.longitude))))
    with time_machine.travel(moment, tick=False):
        visit_photo_add(actor=visit.owner, visit=visit, client_id=str(uuid.uuid4()), kind=kind, data=data)


def _random_history(actors, seed: int) -> None:
    rng = random.Random(seed)
    place = {"latitude": Decimal("31.23"), "longitude": Decimal("121.47")}
    customers = {
        actors.rep: [make_customer(actors.rep, name=f"上海第{n}号精密机械有限公司", city_id=actors.shanghai.pk,
                                   **place) for n in range(3)]
        + [make_customer(actors.rep, name="无地市商贸有限公司", **place)],
        actors.teammate: [make_customer(actors.teammate, name="上海恒瑞精密机械有限公司", city_id=actors.shanghai.pk,
                                        **place)],
        actors.other_rep: [make_customer(actors.other_rep, name="深圳华强电子有限公司", city_id=actors.shenzhen.pk,
                                         latitude=Decimal("22.54"), longitude=Decimal("114.06"))],
    }
    sent: list[tuple] = []  # (actor, payload, version)
    for _step in range(70):
        draw = rng.random()
        if draw < 0.5 or not sent:  # a new visit, often delivered late and out of order
            actor = rng.choice(list(customers))
            visited = _at(rng.randint(0, 40), rng.uniform(0, 10))
            status = "recorded" if rng.random() < 0.85 else "checked_in"
            item = _payload(rng, rng.choice(customers[actor]), visited, status)
            result = _sync(actor, visited + timedelta(hours=rng.choice([0.2, 1.5, 1.99, 2.5, 9, 30])), item)
            sent.append((actor, item, result.version))
        elif draw < 0.75:  # a change: moved to another day, another customer, cancelled, or recorded at last
            index = rng.randrange(len(sent))
            actor, item, version = sent[index]
            change = rng.random()
            item = {**item, "version": version}
            if change < 0.35:
                moved = _at(rng.randint(0, 40), rng.uniform(0, 10))
                item.update(visited_at=moved.isoformat(), checked_in_at=moved.isoformat())
            elif change < 0.5:
                item.update(customer=rng.choice(customers[actor]).pk)
            elif change < 0.7:
                item.update(status="cancelled")
            else:
                item.update(status="recorded", pain_keywords=rng.sample(KEYWORDS, 2), notes=rng.choice(NOTES))
            visited = datetime.fromisoformat(item["visited_at"])
            result = _sync(actor, max(visited, _at(rng.randint(0, 40), 0)) + timedelta(hours=3), item)
            sent[index] = (actor, item, result.version)
        else:  # a photo of a visit that happened
            visit = Visit.objects.filter(status__in=rollups.HAPPENED).order_by("?").first()
            if visit is not None:
                _photo(rng, visit, visit.visited_at + timedelta(hours=1))


def _brute_force(period: metrics.Period, hours: int) -> dict[int, dict]:
    """Per rep, counted straight from the visits and photos, as the page counted before there were rollups."""
    since, until = period.bounds()
    reps: dict[int, Counter] = defaultdict(Counter)
    for visit in Visit.objects.filter(status__in=rollups.HAPPENED, visited_at__gte=since, visited_at__lt=until):
        counts = reps[visit.owner_id]
        if visit.status == "recorded":
            counts["visits"] += 1
            counts["timed"] += visit.record_delay_s is not None
            counts["timely"] += visit.record_delay_s is not None and visit.record_delay_s <= hours * 3600
            counts["done" if visit.action_done else "pending" if visit.action_done is None else "missed"] += 1
        else:
            counts["checked_in_only"] += 1
        if visit.checkin_flag:
            counts[f"checkin_{visit.checkin_flag}"] += 1
        for flags in VisitPhoto.objects.filter(visit=visit).values_list("flags", flat=True):
            counts["photos"] += 1
            counts["photos_clean"] += not flags
            for flag in set(flags):
                counts[f"photo_{flag}"] += 1
    return {owner: +counts for owner, counts in reps.items()}


def _from_page(row: metrics.Row) -> dict:
    counts = Counter(visits=row.visits, timed=row.timed, timely=row.timely, done=row.actions_done,
                     missed=row.actions_missed, pending=row.actions_pending, checked_in_only=row.checked_in_only,
                     photos=row.photos, photos_clean=row.photos_clean)
    counts.update({f"checkin_{flag}": n for flag, n in row.checkin_flags.items()})
    counts.update({f"photo_{flag}": n for flag, n in row.photo_flags.items()})
    return +counts


def _brute_problems(period: metrics.Period, owners) -> dict:
    """(team, problem) → (customers in the period, customers in the one before), from the visits' signals and
    keywords."""
    words = [w for kind in SignalKind.objects.filter(is_active=True) for w in kind.words]
    previous = period.previous()
    found: dict[tuple, list[set]] = defaultdict(lambda: [set(), set()])
    for visit in Visit.objects.filter(status="recorded", owner__in=owners, visited_at__gte=previous.bounds()[0],
                                      visited_at__lt=period.bounds()[1]).select_related("owner"):
        which = 0 if visit.visited_at >= period.bounds()[0] else 1
        team = visit.owner.org_unit_id
        labels = [s.label for s in VisitSignal.objects.filter(visit=visit, risk__in=rollups.PROBLEM_RISKS)]
        labels += [k for k in visit.pain_keywords if not any(w in k for w in words)]
        for label in labels:
            found[(team, label)][which].add(visit.customer_id)
    return {key: (len(now), len(before)) for key, (now, before) in found.items() if now}


def _page_problems(user, filters) -> dict:
    return {(team.key, p.label): (p.customers, p.previous)
            for team in metrics.top_problems(user=user, filters=filters, limit=1000) for p in team.problems}


def _rows() -> tuple[Counter, Counter]:
    days = Counter(tuple(row) for row in VisitDay.objects.values_list(
        "owner_id", "day", "city_id", "team_id", "delay_hours", *rollups.COUNT_COLUMNS))
    problems = Counter(tuple(row) for row in VisitProblem.objects.values_list(
        "visit_id", "owner_id", "customer_id", "team_id", "city_id", "day", "prev_day", "source", "code", "label",
        "risk"))
    return days, problems


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_direct_count_after_random_syncs_late_deliveries_cancellations_and_photos(actors, seed):
    _random_history(actors, seed)
    assert VisitDay.objects.exists() and VisitProblem.objects.exists() and VisitPhoto.objects.exists()
    assert Visit.objects.filter(status="cancelled").exists()
    for days in (7, 30):
        filters = metrics.Filters(period=metrics.last_days(days, today=TODAY))
        for hours in (1, 2, 3, 10):
            setting_update(key="visits.record_within_hours", raw_value=hours, actor=actors.admin)
            page = {row.key: _from_page(row) for row in metrics.visit_metrics(user=actors.director, filters=filters)
                    .reps if row.visits or row.checked_in_only}
            assert page == _brute_force(filters.period, hours), (days, hours)
        # The director's count reads first rows of chains; a team lead's counts distinct customers: both agree.
        everyone = [actors.rep, actors.teammate, actors.other_rep]
        assert _page_problems(actors.director, filters) == _brute_problems(filters.period, everyone)
        team = [actors.rep, actors.teammate]
        assert _page_problems(actors.team_lead, filters) == _brute_problems(filters.period, team)
        for user in (actors.director, actors.team_lead, actors.rep):  # the list's page count comes from rollups
            listed = metrics.recent_visits(user=user, filters=filters).count()
            assert metrics.recent_count(user=user, filters=filters) == listed
            data = metrics.visit_metrics(user=user, filters=filters)
            assert metrics.recent_count(user=user, filters=filters, data=data) == listed
    kept = _rows()
    rollups.rebuild()
    assert _rows() == kept  # what the services kept visit by visit is what a rebuild from scratch gives


def test_moving_a_visit_to_another_day_moves_its_counts_and_its_problems(actors):
    customer = make_customer(actors.rep, name="上海恒瑞精密机械有限公司", city_id=actors.shanghai.pk)
    first = _at(5, 1)
    item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "visited_at": first.isoformat(),
            "pain_keywords": ["交期长"], "committed_action": "发送报价单", "notes": "门店反馈缺货",
            "next_follow_up_at": (first + timedelta(days=3)).isoformat()}
    _sync(actors.rep, first + timedelta(hours=1), item)
    assert list(VisitDay.objects.values_list("day", "recorded", "delay_hours")) == [(first.date(), 1, 1)]
    assert sorted(VisitProblem.objects.values_list("day", "code")) == [(first.date(), "stock_out"),
                                                                       (first.date(), "交期长")]
    moved = _at(2, 1)
    _sync(actors.rep, moved + timedelta(hours=1), {**item, "visited_at": moved.isoformat(), "version": 1})
    # The record reached the server when first sent: a visit moved later is 3 days "before" its record.
    delay = Visit.objects.get().record_delay_s
    assert list(VisitDay.objects.values_list("day", "recorded", "delay_hours")) == [
        (moved.date(), 1, rollups.delay_bucket(delay))]
    assert set(VisitProblem.objects.values_list("day", flat=True)) == {moved.date()}
