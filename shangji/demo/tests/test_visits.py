"""The demo company's field visits: eight weeks of each rep's visits whose derived values are the ones the services
would have computed (check-in distance, signals, points, record delay, key actions), today's plans, real photos and
the rewards points buy."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from shangji.core.geo import distance_m
from shangji.core.models import Timer
from shangji.core.registry import setting
from shangji.customers.models import Customer
from shangji.org.choices import Role
from shangji.visits import photos as photo_checks
from shangji.visits.choices import CheckInFlag, VisitStatus
from shangji.visits.models import PointEntry, Reward, Visit, VisitPhoto, VisitSignal
from shangji.visits.services import FOLLOW_UP_TIMER, PHOTO_POINTS, signal_rules
from shangji.visits.signals import extract


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, _media_dir):
    """One demo load for the module (the checks only read it), rolled back at the end; photos in the tests' media
    directory."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=_media_dir):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed", customers=400, opportunities=200, batch_size=100, quiet=True, stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(seeded, db):
    return None


def recorded():
    return Visit.objects.filter(status=VisitStatus.RECORDED)


def test_each_rep_visits_own_customers_three_to_eight_times_a_working_day_over_eight_weeks(demo):
    today = timezone.localdate()
    by_rep_day = Counter()
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    for owner_id, customer_id, visited_at in recorded().values_list("owner_id", "customer_id", "visited_at"):
        day = timezone.localtime(visited_at).date()
        assert owners[customer_id] == owner_id
        assert today - timedelta(weeks=8) <= day < today and day.weekday() < 5
        by_rep_day[owner_id, day] += 1
    assert set(by_rep_day.values()) <= set(range(3, 9))
    reps = {owner for owner, _day in by_rep_day}
    assert len(reps) >= 20 and all(role == Role.REP for role in
                                   Customer.objects.filter(owner_id__in=reps).values_list("owner__role", flat=True))
    assert recorded().count() > 3000


def test_most_visits_are_recorded_within_the_limit_and_the_delay_is_stored(demo):
    limit = setting("visits.record_within_hours") * 3600
    delays = []
    for visited_at, recorded_at, delay in recorded().values_list("visited_at", "recorded_at", "record_delay_s"):
        assert delay == int((recorded_at - visited_at).total_seconds()) and delay > 0
        delays.append(delay)
    on_time = sum(delay <= limit for delay in delays) / len(delays)
    assert 0.8 < on_time < 0.99  # most in time, some late: the manager's page has something to show


def test_check_in_distances_and_flags_follow_the_customer_location_and_the_radius(demo):
    radius = setting("visits.checkin_radius_m")
    where = {pk: (lat, lon) for pk, lat, lon in Customer.objects.values_list("pk", "latitude", "longitude")}
    flags = Counter()
    for visit in recorded().only("customer_id", "checkin_latitude", "checkin_longitude", "checkin_distance_m",
                                 "checkin_flag"):
        flags[visit.checkin_flag] += 1
        if visit.checkin_flag == CheckInFlag.NO_POSITION:
            assert visit.checkin_latitude is None and visit.checkin_distance_m is None
            continue
        expected = round(distance_m(visit.checkin_latitude, visit.checkin_longitude, *where[visit.customer_id]))
        assert visit.checkin_distance_m == expected
        assert visit.checkin_flag == (CheckInFlag.FAR if expected > radius else CheckInFlag.OK)
    assert flags[CheckInFlag.FAR] and flags[CheckInFlag.NO_POSITION]
    assert flags[CheckInFlag.OK] / sum(flags.values()) > 0.85


def test_signals_are_exactly_what_the_extractor_finds_in_each_note_and_its_pain_keywords(demo):
    rules = signal_rules()
    stored = defaultdict(set)
    for visit_id, kind, word, risk in VisitSignal.objects.values_list("visit_id", "kind", "word", "risk"):
        stored[visit_id].add((kind, word, risk))
    for visit in recorded().only("notes", "pain_keywords"):
        assert stored[visit.pk] == {(f.kind, f.word, f.risk) for f in extract(visit.notes, visit.pain_keywords, rules)}
    kinds = Counter(VisitSignal.objects.values_list("risk", flat=True))
    assert kinds["high"] > 50 and kinds["positive"] > 50


def test_points_are_the_completed_optional_fields_and_the_visit_carries_their_total(demo):
    each = setting("visits.points_per_field")
    entries = defaultdict(set)
    for visit_id, field in PointEntry.objects.filter(visit__isnull=False).values_list("visit_id", "field"):
        entries[visit_id].add(field)
    photos = defaultdict(set)
    for visit_id, kind in VisitPhoto.objects.values_list("visit_id", "kind"):
        photos[visit_id].add(PHOTO_POINTS[kind])
    for visit in recorded().only("competitor_price", "stock_level", "notes", "points"):
        expected = set(photos[visit.pk])
        expected |= {"competitor_price"} if visit.competitor_price is not None else set()
        expected |= {"stock_level"} if visit.stock_level is not None else set()
        expected |= {"notes"} if len(visit.notes) >= setting("visits.notes_min_chars") else set()
        assert entries[visit.pk] == expected and visit.points == each * len(expected)
    spent = PointEntry.objects.filter(reward__isnull=False)
    assert spent.exists() and all(entry.points == -entry.reward.cost for entry in spent)


def test_committed_actions_are_judged_by_the_next_visit_to_the_customer(demo):
    chains = defaultdict(list)
    for row in recorded().order_by("visited_at", "id").values_list("customer_id", "previous_action_done",
                                                                   "action_done"):
        chains[row[0]].append(row[1:])
    done = []
    for chain in chains.values():
        assert chain[0][0] is None and chain[-1][1] is None
        for (_before_previous, before_done), (after_previous, _after_done) in zip(chain, chain[1:], strict=False):
            assert after_previous in (True, False) and before_done == after_previous
            done.append(after_previous)
    assert 0.75 < sum(done) / len(done) < 0.97


def test_every_visiting_rep_has_a_plan_for_today(demo):
    today = timezone.localdate()
    plans = defaultdict(list)
    for owner_id, position, customer_owner in Visit.objects.filter(
            status=VisitStatus.PLANNED).values_list("owner_id", "plan_position", "customer__owner_id"):
        assert customer_owner == owner_id
        plans[owner_id].append(position)
    assert set(plans) == set(recorded().values_list("owner_id", flat=True))
    assert all(3 <= len(positions) <= 6 and sorted(positions) == list(range(len(positions)))
               for positions in plans.values())
    assert not Visit.objects.filter(status=VisitStatus.PLANNED).exclude(planned_on=today).exists()


def test_photos_are_real_images_whose_exif_gives_their_stored_facts_and_flags(demo):
    photos = list(VisitPhoto.objects.select_related("visit__customer"))
    assert 20 <= len(photos) <= 60
    flagged = 0
    for photo in photos:
        with photo.file.open("rb") as stored:
            data = stored.read()
        info = photo_checks.read_image(data, max_bytes=10 * 1024 * 1024, max_pixels=10**7)
        assert (info.width, info.height, info.taken_at) == (photo.width, photo.height, photo.taken_at)
        customer = photo.visit.customer
        assert photo.flags == photo_checks.photo_flags(
            info, visit_at=photo.visit.device_recorded_at, customer_lat=float(customer.latitude),
            customer_lon=float(customer.longitude), max_distance_m=setting("visits.photo_radius_m"),
            max_age_minutes=setting("visits.photo_max_age_minutes"))
        flagged += bool(photo.flags)
    assert 0 < flagged < len(photos) / 2


def test_rewards_exist_and_future_follow_ups_have_their_reminder(demo):
    assert {"培训课时（2 小时）", "物流优先"} <= set(Reward.objects.values_list("name", flat=True))
    upcoming = set(recorded().filter(next_follow_up_at__gt=timezone.now()).values_list("pk", flat=True))
    timers = set(Timer.objects.filter(kind=FOLLOW_UP_TIMER, status="pending").values_list("entity_id", flat=True))
    assert upcoming and timers == upcoming


def test_the_last_working_days_visits_wait_in_the_outbox_and_the_shipped_rule_turns_their_risks_into_to_dos(demo):
    from shangji.automation.engine import handle_event
    from shangji.automation.models import Rule
    from shangji.core.models import Event
    from shangji.todos.models import Task

    days = {pk: timezone.localtime(at).date() for pk, at in recorded().values_list("pk", "visited_at")}
    latest = {pk for pk, day in days.items() if day == max(days.values())}
    announced = list(Event.objects.filter(name="visit.recorded", dispatched_at__isnull=True))
    assert latest and {event.entity_id for event in announced} == latest
    risky = set(VisitSignal.objects.filter(visit_id__in=latest, risk="high").values_list("visit_id", flat=True))
    assert risky and {event.entity_id for event in announced if event.payload["high_risk"]} == risky
    rule = Rule.objects.get(key="visit-high-risk-signal")
    for event in announced:
        handle_event(event)
    tasks = Task.objects.filter(source=rule.source_tag)
    assert tasks.count() == len(risky)
    assert set(tasks.values_list("assignee_id", flat=True)) == set(
        Visit.objects.filter(pk__in=risky).values_list("owner_id", flat=True))
