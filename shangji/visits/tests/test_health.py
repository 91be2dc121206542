"""C4: the customer's health radar (six dimensions, each from its own facts, 数据不足 where the facts are missing)
and the visit timeline on the customer page."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from shangji.conftest import make_customer, signed_in
from shangji.core.services import setting_update
from shangji.visits.health import customer_health, months_ago
from shangji.visits.services import visit_photo_add
from shangji.visits.tests.test_brief import FRIDAY_5PM, SHANGHAI, at, record, won
from shangji.visits.tests.test_photos import photo

pytestmark = pytest.mark.django_db


def dimension(customer, key: str):
    return {d.key: d for d in customer_health(customer, now=FRIDAY_5PM).dimensions}[key]


@pytest.fixture
def customer(actors):
    return make_customer(actors.rep, name="东方超市", grade="A")


def test_visit_frequency_counts_recorded_visits_in_the_window_against_the_expected_number(actors, customer):
    for day in (3, 10, 17):
        record(actors.rep, customer, at(day))
    record(actors.rep, customer, at(1, month=8))  # 111 days before: outside the 90-day window
    frequency = dimension(customer, "frequency")
    assert frequency.score == 50 and ("拜访次数", "3") in frequency.inputs and ("期望次数", "6") in frequency.inputs
    setting_update(key="visits.health_expected_visits", raw_value="3", actor=actors.sales_ops)
    assert dimension(customer, "frequency").score == 100


def test_kept_promises_are_judged_at_the_next_visit_and_open_ones_not_counted(actors, customer):
    record(actors.rep, customer, at(3))
    record(actors.rep, customer, at(10), previous_action_done=True)
    record(actors.rep, customer, at(17), previous_action_done=False)
    commitment = dimension(customer, "commitment")
    assert commitment.score == 50
    assert commitment.inputs == [("承诺动作", "3"), ("已有下次拜访", "2"), ("已完成", "1")]


def test_promises_without_a_next_visit_leave_the_commitment_dimension_without_data(actors, customer):
    record(actors.rep, customer, at(17))
    assert dimension(customer, "commitment").score is None


def test_risk_signals_take_their_weighted_penalty_off_100(actors, customer):
    record(actors.rep, customer, at(10), notes="两款主力型号断货一周，隔壁打折很厉害")  # high + medium
    risk = dimension(customer, "risk")
    assert risk.score == 100 - 30 - 15
    assert ("高风险信号", "1") in risk.inputs and ("中风险信号", "1") in risk.inputs
    record(actors.rep, customer, at(12), notes="客户投诉包装破损")
    assert dimension(customer, "risk").score == 100 - 30 - 15 - 30


def test_without_visits_in_the_window_the_risk_dimension_has_no_data_rather_than_full_marks(actors, customer):
    record(actors.rep, customer, at(1, month=6))
    assert dimension(customer, "risk").score is None


def test_order_contribution_compares_the_won_amount_with_the_company_median(actors, customer):
    others = [make_customer(actors.rep, name=name) for name in ("甲公司", "乙公司")]
    won(actors.rep, customer, amount="100000.00", closed_at=at(1, month=9))
    won(actors.rep, others[0], amount="200000.00", closed_at=at(1, month=10))
    won(actors.rep, others[1], amount="50000.00", closed_at=at(1, month=10))
    won(actors.rep, others[1], amount="900000.00", closed_at=datetime(2025, 10, 1, tzinfo=SHANGHAI))  # > 12 months
    orders = dimension(customer, "orders")
    assert orders.score == 50  # the median customer
    assert ("公司客户中位数", "¥100,000.00") in orders.inputs and ("有赢单的客户数", "3") in orders.inputs
    won(actors.rep, customer, amount="400000.00", closed_at=at(2, month=9))  # 500k: over twice the new median
    assert dimension(customer, "orders").score == 100


def test_interaction_depth_is_the_share_of_optional_fields_completed(actors, customer):
    visit = record(actors.rep, customer, at(10), competitor_price="18.50", stock_level=40)
    record(actors.rep, customer, at(12))
    depth = dimension(customer, "depth")
    assert depth.score == round(2 * 100 / (2 * 7))  # 7 optional fields: 3 photo kinds, recording, price, stock, notes
    visit_photo_add(actor=actors.rep, visit=visit, client_id=str(uuid.uuid4()), kind="shelf", data=photo())
    depth = dimension(customer, "depth")
    assert depth.score == round(3 * 100 / (2 * 7)) and ("照片", "1") in depth.inputs


def test_growth_trend_compares_the_last_six_months_with_the_six_before(actors, customer):
    won(actors.rep, customer, amount="100000.00", closed_at=at(1, month=10))
    won(actors.rep, customer, amount="50000.00", closed_at=at(1, month=3))
    trend = dimension(customer, "trend")
    assert trend.score == 75 and ("变化", "+100%") in trend.inputs
    won(actors.rep, customer, amount="50000.00", closed_at=at(2, month=3))  # the halves now match
    assert dimension(customer, "trend").score == 50


def test_a_customer_without_visits_or_deals_has_insufficient_data(actors, customer):
    health = customer_health(customer, now=FRIDAY_5PM)
    assert not health.has_data and not health.radar_ready
    assert [d.score for d in health.dimensions if d.key != "frequency"] == [None] * 5


def test_months_ago_keeps_the_day_or_falls_back_to_the_months_last_day():
    assert months_ago(datetime(2026, 8, 31, 9, tzinfo=SHANGHAI), 6) == datetime(2026, 2, 28, 9, tzinfo=SHANGHAI)
    assert months_ago(datetime(2026, 1, 15, tzinfo=SHANGHAI), 12) == datetime(2025, 1, 15, tzinfo=SHANGHAI)


# ---------------------------------------------------------------------------------------------------------
# The customer page


def test_the_customer_page_shows_the_visit_timeline_and_the_radar(actors, customer):
    now = timezone.now()
    first = record(actors.rep, customer, now.replace(microsecond=0) - timedelta(days=20), notes="两款主力型号断货一周")
    record(actors.rep, customer, now.replace(microsecond=0) - timedelta(days=5), previous_action_done=True,
           pain_keywords=["账期长"])
    visit_photo_add(actor=actors.rep, visit=first, client_id=str(uuid.uuid4()), kind="shelf", data=photo())
    html = signed_in(actors.rep).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="customer-visits"' in html and html.count("data-visit=") == 2
    assert 'data-risk="high"' in html and "缺货" in html and "账期长" in html
    assert 'data-flagged="1"' in html  # the photo has no EXIF
    assert 'id="health-radar"' in html and 'id="health-data"' in html
    assert 'title="最近 90 天已记录的拜访次数与期望次数（6 次）之比' in html


def test_the_timeline_shows_only_the_visits_the_viewer_may_see(actors, customer):
    record(actors.rep, customer, timezone.now() - timedelta(days=3))
    record(actors.team_lead, customer, timezone.now() - timedelta(days=2))  # the manager's own visit
    rep_page = signed_in(actors.rep).get(f"/customers/{customer.pk}/").content.decode()
    lead_page = signed_in(actors.team_lead).get(f"/customers/{customer.pk}/").content.decode()
    assert rep_page.count("data-visit=") == 1 and lead_page.count("data-visit=") == 2
    assert signed_in(actors.other_rep).get(f"/customers/{customer.pk}/").status_code == 404


def test_a_customer_without_data_says_so_instead_of_drawing_a_radar(actors, customer):
    html = signed_in(actors.rep).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="health-insufficient"' in html and "数据不足" in html and 'id="health-radar"' not in html
    assert "还没有你可查看的拜访记录。" in html

