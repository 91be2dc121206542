"""The manager's numbers (shangji/visits/metrics.py): timeliness at the edge, key actions judged by the next visit,
per-flag authenticity rates, the top-5 problems with ties and trend, settings that change the result, and who
sees whose numbers."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from shangji.conftest import make_customer
from shangji.core.services import setting_update
from shangji.visits import metrics, rollups
from shangji.visits.choices import CheckInFlag, VisitStatus
from shangji.visits.models import Visit, VisitPhoto, VisitSignal
from shangji.visits.services import visits_sync

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


def _filters(days: int = 30, **extra) -> metrics.Filters:
    return metrics.Filters(period=metrics.last_days(days, today=TODAY), **extra)


def _phone_visit(customer, visited_at, **fields) -> dict:
    return {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded",
            "visited_at": visited_at.isoformat(), "pain_keywords": ["交期长"], "committed_action": "发送报价单",
            "next_follow_up_at": (visited_at + timedelta(days=3)).isoformat(), **fields}


def _sync_at(moment, actor, *items):
    with time_machine.travel(moment, tick=False):
        results = visits_sync(actor=actor, items=list(items))
    assert all(result.outcome in ("created", "updated") for result in results), results
    return [Visit.objects.get(pk=result.id) for result in results]


def _stored(owner, customer, visited_at, *, delay_h=1.0, status=VisitStatus.RECORDED, checkin_flag="",
            keywords=(), action_done=None) -> Visit:
    """A visit row as the services would have left it, rollups included (for fixtures that are about counting, not
    deriving: rows written past the services refresh the rollups themselves, as the bulk loaders do)."""
    recorded = visited_at + timedelta(hours=delay_h) if status == VisitStatus.RECORDED else None
    visit = Visit.objects.create(
        client_id=uuid.uuid4(), customer=customer, owner=owner, status=status, visited_at=visited_at,
        recorded_at=recorded, record_delay_s=int(delay_h * 3600) if recorded else None, checkin_flag=checkin_flag,
        checked_in_at=visited_at if checkin_flag else None, pain_keywords=list(keywords),
        committed_action="回访", action_done=action_done, created_at=visited_at, updated_at=visited_at)
    rollups.refresh(rollups.key_of(owner.pk, visited_at))
    return visit


def _signal(visit, kind, label, risk):
    signal = VisitSignal.objects.create(visit=visit, customer=visit.customer, owner=visit.owner, kind=kind,
                                        label=label, risk=risk, word=label, snippet=label, found_at=visit.visited_at)
    rollups.refresh(rollups.key_of(visit.owner_id, visit.visited_at))
    return signal


@pytest.fixture
def customer(actors):
    return make_customer(actors.rep, name="上海恒瑞精密机械有限公司", city_id=actors.shanghai.pk)


def test_a_visit_recorded_exactly_at_the_limit_is_timely_and_one_second_later_is_not(actors, customer):
    visited = NOON - timedelta(hours=5)
    on_time, = _sync_at(visited + timedelta(hours=2), actors.rep, _phone_visit(customer, visited))
    late, = _sync_at(visited + timedelta(hours=2, seconds=1), actors.rep, _phone_visit(customer, visited))
    assert on_time.record_delay_s == 7200 and late.record_delay_s == 7201
    with time_machine.travel(NOON, tick=False):
        total = metrics.visit_metrics(user=actors.rep, filters=_filters()).total
    assert (total.timely, total.timed, total.timely_pct) == (1, 2, 50.0)


def test_changing_the_record_limit_setting_changes_the_timeliness_rate(actors, customer):
    for hours in (1, 2.5, 4):
        _stored(actors.rep, customer, NOON - timedelta(days=1), delay_h=hours)
    assert metrics.visit_metrics(user=actors.rep, filters=_filters()).total.timely == 1
    setting_update(key="visits.record_within_hours", raw_value=3, actor=actors.admin)
    assert metrics.visit_metrics(user=actors.rep, filters=_filters()).total.timely == 2


def test_a_commitment_is_done_only_when_the_next_visit_confirms_it_and_pending_while_there_is_none(actors, customer):
    other = make_customer(actors.rep, name="苏州工业园区鑫达化工有限公司", city_id=actors.shanghai.pk)
    day = NOON - timedelta(days=5)
    first, = _sync_at(day, actors.rep, _phone_visit(customer, day))
    # The phone delivers the third visit before the second: the chain is judged by visit time, not arrival.
    third, = _sync_at(day + timedelta(days=3), actors.rep,
                      _phone_visit(customer, day + timedelta(days=2), previous_action_done=False))
    second, = _sync_at(day + timedelta(days=3, hours=1), actors.rep,
                       _phone_visit(customer, day + timedelta(days=1), previous_action_done=True))
    unanswered, = _sync_at(day, actors.rep, _phone_visit(other, day))
    follow, = _sync_at(day + timedelta(days=1), actors.rep, _phone_visit(other, day + timedelta(days=1)))
    states = {v.pk: v.action_done for v in Visit.objects.all()}
    assert states[first.pk] is True  # the second visit said it was done
    assert states[second.pk] is False  # the third said it was not
    assert states[third.pk] is None and states[follow.pk] is None  # nothing after them yet: pending
    assert states[unanswered.pk] is False  # the next visit did not confirm it
    total = metrics.visit_metrics(user=actors.rep, filters=_filters()).total
    assert (total.actions_done, total.actions_missed, total.actions_pending) == (1, 2, 2)
    assert total.action_pct == pytest.approx(100 / 3)


def test_cancelling_the_next_visit_puts_the_commitment_back_to_pending(actors, customer):
    day = NOON - timedelta(days=3)
    first, = _sync_at(day, actors.rep, _phone_visit(customer, day))
    payload = _phone_visit(customer, day + timedelta(days=1), previous_action_done=True)
    second, = _sync_at(day + timedelta(days=1), actors.rep, payload)
    assert Visit.objects.get(pk=first.pk).action_done is True
    _sync_at(day + timedelta(days=1, hours=1), actors.rep, {**payload, "status": "cancelled", "version": 1})
    assert Visit.objects.get(pk=first.pk).action_done is None


def test_photo_and_check_in_rates_count_every_flag(actors, customer):
    base = NOON - timedelta(days=2)
    flags = [[], [], ["far"], ["early", "far"], ["no_exif"]]
    for index, photo_flags in enumerate(flags):
        visit = _stored(actors.rep, customer, base + timedelta(hours=index),
                        checkin_flag=[CheckInFlag.OK, CheckInFlag.OK, CheckInFlag.OK, CheckInFlag.FAR,
                                      CheckInFlag.NO_POSITION][index])
        VisitPhoto.objects.create(client_id=uuid.uuid4(), visit=visit, file="visits/x.jpg", content_type="image/jpeg",
                                  size=1, width=1, height=1, flags=photo_flags, created_at=base)
        rollups.refresh(rollups.key_of(visit.owner_id, visit.visited_at))
    _stored(actors.teammate, customer, base)  # another rep: not in this rep's numbers
    data = metrics.visit_metrics(user=actors.rep, filters=_filters())
    rep, = data.reps
    assert (rep.photos, rep.photos_clean, rep.photo_clean_pct) == (5, 2, 40.0)
    assert rep.photo_flags == {"far": 2, "early": 1, "no_exif": 1}
    assert rep.photo_problems[0] == ("拍摄地点离客户太远", 2)
    assert (rep.checkins, rep.checkin_ok_pct) == (5, 60.0)
    assert rep.checkin_flags == {"ok": 3, "far": 1, "no_position": 1}
    assert [label for label, _n in rep.checkin_problems] == ["未获取到定位", "签到位置离客户过远"]


def test_numbers_roll_up_per_rep_team_and_city_and_a_rep_without_visits_shows_with_zeros(actors, customer):
    shenzhen = make_customer(actors.other_rep, name="深圳华强电子有限公司", city_id=actors.shenzhen.pk)
    _stored(actors.rep, customer, NOON - timedelta(days=1), delay_h=1)
    _stored(actors.rep, customer, NOON - timedelta(days=2), delay_h=5)
    _stored(actors.other_rep, shenzhen, NOON - timedelta(days=1), delay_h=1)
    _stored(actors.other_rep, shenzhen, NOON - timedelta(days=40), delay_h=1)  # before the period
    data = metrics.visit_metrics(user=actors.director, filters=_filters())
    reps = {row.label: row for row in data.reps}
    assert reps["张伟"].visits == 2 and reps["张伟"].timely_pct == 50.0 and reps["张伟"].team == "上海一组"
    assert reps["王芳"].visits == 0 and reps["王芳"].timely_pct is None  # the teammate logged nothing
    assert reps["李娜"].visits == 1
    assert {row.label: row.visits for row in data.teams} == {"上海一组": 2, "深圳一组": 1}
    assert {row.label: row.visits for row in data.cities} == {"上海": 2, "深圳": 1}
    assert data.total.visits == 3 and data.total.timely == 2
    only_shenzhen = metrics.visit_metrics(user=actors.director, filters=_filters(city_id=actors.shenzhen.pk))
    assert [row.label for row in only_shenzhen.reps] == ["李娜"]


def test_each_manager_sees_only_the_numbers_of_their_subtree(actors, customer):
    shenzhen = make_customer(actors.other_rep, name="深圳华强电子有限公司", city_id=actors.shenzhen.pk)
    _stored(actors.rep, customer, NOON - timedelta(days=1))
    _stored(actors.teammate, customer, NOON - timedelta(days=1))
    _stored(actors.other_rep, shenzhen, NOON - timedelta(days=1))
    totals = {name: metrics.visit_metrics(user=user, filters=_filters()).total.visits
              for name, user in actors.all().items() if user is not None}
    assert totals["rep"] == 1 and totals["teammate"] == 1 and totals["other_rep"] == 1
    assert totals["team_lead"] == 2 and totals["regional_manager"] == 2 and totals["other_manager"] == 1
    assert totals["director"] == 3 and totals["finance"] == 3
    assert totals["presales"] == 0
    assert metrics.visit_metrics(user=None, filters=_filters()).total.visits == 0


def test_top_five_problems_count_distinct_customers_and_break_ties_by_risk_then_name(actors):
    day = NOON - timedelta(days=2)
    customers = [make_customer(actors.rep, name=f"上海第{n}号精密机械有限公司", city_id=actors.shanghai.pk)
                 for n in range(4)]
    # 缺货 (high) at three customers, twice at the first: three, not four.
    for customer in customers[:3]:
        _signal(_stored(actors.rep, customer, day), "stock_out", "缺货", "high")
    _signal(_stored(actors.rep, customers[0], day - timedelta(days=1)), "stock_out", "缺货", "high")
    # Two customers each: 降价 (medium), 投诉 (high), 交期长 (keyword), 包装差 (keyword) — tied on customers.
    for customer in customers[:2]:
        visit = _stored(actors.teammate, customer, day, keywords=["交期长", "包装差"])
        _signal(visit, "price_cut", "降价", "medium")
        _signal(visit, "complaint", "投诉", "high")
    _signal(_stored(actors.rep, customers[3], day), "delivery", "配送问题", "low")  # low risk: not a problem
    _stored(actors.rep, customers[3], day, keywords=["缺货严重", "样品少"])  # 缺货 is in the dictionary
    team, = metrics.top_problems(user=actors.team_lead, filters=_filters())
    assert team.label == "上海一组"
    assert [(p.label, p.customers) for p in team.problems] == [
        ("缺货", 3), ("投诉", 2), ("降价", 2), ("交期长", 2), ("包装差", 2)]
    assert [p.source for p in team.problems] == ["signal", "signal", "signal", "keyword", "keyword"]
    assert all(p.label != "缺货严重" for p in team.problems)


def test_problem_trend_compares_with_the_previous_period_of_the_same_length(actors, customer):
    second = make_customer(actors.rep, name="上海第二精密机械有限公司", city_id=actors.shanghai.pk)
    now, before = NOON - timedelta(days=1), NOON - timedelta(days=10)  # in the last 7 days / the 7 days before
    _signal(_stored(actors.rep, customer, now), "stock_out", "缺货", "high")
    _signal(_stored(actors.rep, customer, before), "stock_out", "缺货", "high")
    _signal(_stored(actors.rep, second, before), "stock_out", "缺货", "high")
    _stored(actors.rep, customer, now, keywords=["交期长"])
    _stored(actors.rep, second, now, keywords=["交期长"])
    _stored(actors.rep, second, NOON - timedelta(days=20), keywords=["交期长"])  # before both periods
    team, = metrics.top_problems(user=actors.rep, filters=_filters(7))
    trend = {p.label: (p.customers, p.previous, p.change) for p in team.problems}
    assert trend == {"交期长": (2, 0, 2), "缺货": (1, 2, -1)}


def test_problems_of_invisible_reps_and_other_teams_stay_out(actors, customer):
    shenzhen = make_customer(actors.other_rep, name="深圳华强电子有限公司", city_id=actors.shenzhen.pk)
    _signal(_stored(actors.other_rep, shenzhen, NOON - timedelta(days=1)), "payment", "回款", "high")
    _signal(_stored(actors.rep, customer, NOON - timedelta(days=1)), "stock_out", "缺货", "high")
    assert [t.label for t in metrics.top_problems(user=actors.team_lead, filters=_filters())] == ["上海一组"]
    everything = metrics.top_problems(user=actors.director, filters=_filters())
    assert [(t.label, t.problems[0].label) for t in everything] == [("上海一组", "缺货"), ("深圳一组", "回款")]
    only_south = metrics.top_problems(user=actors.director, filters=_filters(team_id=actors.other_rep.org_unit_id))
    assert [t.label for t in only_south] == ["深圳一组"]


def test_a_week_starts_on_monday_and_the_previous_period_has_the_same_length():
    week = metrics.this_week(today=date(2026, 11, 20))  # a Friday
    assert (week.start, week.end, week.days) == (date(2026, 11, 16), date(2026, 11, 20), 5)
    assert (week.previous().start, week.previous().end) == (date(2026, 11, 11), date(2026, 11, 15))
    since, until = week.bounds()
    assert since == timezone.make_aware(datetime(2026, 11, 16), SHANGHAI)
    assert until - since == timedelta(days=5)
