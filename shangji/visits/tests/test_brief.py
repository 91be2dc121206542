"""V7 《我的客户洞察简报》: built from a fixture week (Sat 2026-11-14 … Fri 2026-11-20, Asia/Shanghai), every
sentence follows the facts, one brief per rep and week, the hourly task sends only on the configured weekday and
hour, and who may open whose brief."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shangji.conftest import make_customer, make_opportunity, signed_in
from shangji.core.services import setting_update
from shangji.notify.models import Notification
from shangji.pipeline.models import Opportunity, OpportunityLine, Product, Stage
from shangji.visits import tasks
from shangji.visits.brief import brief_sentences, build_brief
from shangji.visits.models import Visit, VisitSignal, WeeklyBrief
from shangji.visits.services import brief_send, briefs_send_due, visits_sync

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 20)
FRIDAY_5PM = datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def record(rep, customer, when: datetime, **fields) -> Visit:
    """A recorded visit through the phone's sync service (signals, points and timers as in real use)."""
    item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded",
            "visited_at": when.isoformat(), "checked_in_at": when.isoformat(), "device_recorded_at": when.isoformat(),
            "pain_keywords": ["交期"], "committed_action": "周五前发送报价单",
            "next_follow_up_at": (when + timedelta(days=14)).isoformat(), "notes": "", **fields}
    result = visits_sync(actor=rep, items=[item])[0]
    assert result.outcome == "created", result.errors
    return Visit.objects.get(pk=result.id)


def won(owner, customer, *, amount: str, closed_at: datetime, product=None) -> Opportunity:
    deal = make_opportunity(owner, customer, name=f"{customer.name} 订单", amount=amount)
    Opportunity.objects.filter(pk=deal.pk).update(stage=Stage.objects.filter(is_won=True).first(), closed_at=closed_at)
    if product is not None:
        OpportunityLine.objects.create(opportunity=deal, product=product, quantity=Decimal(1), unit_price=amount)
    return deal


@pytest.fixture
def product(db):
    return Product.objects.create(sku="TEA-500", name="无糖绿茶 500ml", list_price=Decimal("20.00"))


# ---------------------------------------------------------------------------------------------------------
# Sections


def test_new_risk_signals_are_grouped_by_signal_and_grade_and_old_ones_left_out(actors):
    rep = actors.rep
    east, west, north = (make_customer(rep, name=name, grade="A") for name in ("东方超市", "西城百货", "北站便利"))
    shop = make_customer(rep, name="南门小卖部", grade="B")
    for customer, day in ((east, 16), (west, 17), (north, 18)):
        record(rep, customer, at(day), notes="门口发现竞品进场，店长在比较价格")
    record(rep, shop, at(17), notes="两款主力型号断货一周")
    old = record(rep, north, at(1), notes="上次就发现竞品进场了")  # within the 30 days before the week

    sections = build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM)
    groups = {(group["kind"], group["grade"]): group for group in sections["risk"]["groups"]}
    assert {c["name"] for c in groups[("competitor_entry", "A")]["customers"]} == {"东方超市", "西城百货"}
    assert [c["name"] for c in groups[("stock_out", "B")]["customers"]] == ["南门小卖部"]
    assert sections["risk"]["customer_count"] == 3
    sentence = brief_sentences(sections)["risk"][0]
    assert sentence.startswith("你的 2 家 A 级客户在近 7 天提到“竞品进场”")

    # The earlier mention moves out of the lookback: the third A customer's signal is new again.
    VisitSignal.objects.filter(visit=old).update(found_at=at(1) - timedelta(days=30))
    changed = brief_sentences(build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM))["risk"][0]
    assert changed.startswith("你的 3 家 A 级客户在近 7 天提到“竞品进场”")


def test_a_week_without_anything_says_so_in_every_section(actors):
    sentences = brief_sentences(build_brief(actors.rep, week_end=FRIDAY, now=FRIDAY_5PM))
    assert sentences == {"risk": ["本周无新的风险信号。"], "competitors": ["本周无竞品动态。"],
                         "overdue": ["本周无逾期跟进。"], "products": ["本周无主推产品记录。"]}


def test_competitor_mentions_and_prices_are_listed_per_customer(actors, product):
    rep = actors.rep
    mall, kiosk, quiet = (make_customer(rep, name=name) for name in ("万达店", "地铁报亭", "安静小店"))
    record(rep, mall, at(16), notes="隔壁竞品降价促销，客流被拉走")  # price_cut, through the word 竞品降价
    record(rep, mall, at(18), competitor_price="17.00", focus_product=product.pk)
    record(rep, kiosk, at(19), notes="发现竞品进场，摆在收银台")
    record(rep, quiet, at(19), notes="打折活动效果一般")  # a price cut that names no competitor
    record(rep, kiosk, at(5), notes="发现竞品进场")  # before the week

    sections = build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM)["competitors"]
    by_name = {c["name"]: c for c in sections["customers"]}
    assert set(by_name) == {"万达店", "地铁报亭"}
    assert [m["label"] for m in by_name["万达店"]["mentions"]] == ["降价"]
    assert by_name["万达店"]["prices"] == [{"price": "17.00", "on": "2026-11-18", "product": "无糖绿茶 500ml",
                                           "list_price": "20.00", "diff_pct": -15.0}]
    assert len(by_name["地铁报亭"]["mentions"]) == 1
    text = brief_sentences(build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM))["competitors"]
    assert text[0] == "近 7 天 2 家客户出现竞品动态（提及 2 次、竞品报价 1 条）：万达店、地铁报亭。"
    assert text[1] == "万达店的竞品报价 ¥17.00，比“无糖绿茶 500ml”标准价 ¥20.00 低 15%。"


def test_overdue_follow_ups_are_the_latest_visits_past_due_without_a_later_visit(actors):
    rep = actors.rep
    late, revisited, future = (make_customer(rep, name=name) for name in ("迟到客户", "已回访客户", "未到期客户"))
    record(rep, late, at(2), next_follow_up_at=at(15, 10).isoformat(), committed_action="送样品两箱")
    record(rep, revisited, at(3), next_follow_up_at=at(12).isoformat())
    record(actors.team_lead, revisited, at(13))  # their team lead went back: nothing is overdue there
    record(rep, future, at(10), next_follow_up_at=at(24).isoformat())

    overdue = build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM)["overdue"]
    assert overdue["count"] == 1
    assert overdue["items"][0] | {"visit_id": None} == {
        "customer_id": late.pk, "customer": "迟到客户", "visit_id": None, "due_on": "2026-11-15",
        "days_overdue": 6, "committed_action": "送样品两箱"}  # 5 days 7 hours late counts as 6 days
    assert brief_sentences(build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM))["overdue"] == [
        "1 家客户的跟进已逾期，最久的是迟到客户（2026-11-15 到期，已逾期 6 天）。"]

    record(rep, late, at(19))  # the rep went back: the follow-up is no longer overdue
    assert build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM)["overdue"]["count"] == 0


def test_a_pushed_product_is_compared_with_peers_customers_actions_and_won_deals(actors, product):
    rep, teammate, other = actors.rep, actors.teammate, actors.other_rep
    mine = make_customer(rep, name="我的客户")
    peer_a, peer_b = make_customer(teammate, name="同事客户甲"), make_customer(other, name="同事客户乙")
    record(rep, mine, at(17), focus_product=product.pk)
    record(teammate, peer_a, at(1), focus_product=product.pk)
    record(teammate, peer_a, at(8), previous_action_done=True, focus_product=product.pk)
    record(other, peer_b, at(2), focus_product=product.pk)
    record(other, peer_b, at(9), previous_action_done=False)
    won(teammate, peer_a, amount="50000.00", closed_at=at(12), product=product)
    won(other, peer_b, amount="8000.00", closed_at=at(12))  # without the product

    products = build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM)["products"]
    row = products["items"][0]
    assert row["product"] == "无糖绿茶 500ml" and row["visits_week"] == 1
    # Peers: 3 visits with the product at 2 customers; 2 commitments have a next visit, 1 of them kept.
    assert row["peers"] == {"visits": 3, "customers": 2, "reps": 2, "measured": 2, "done": 1, "done_pct": 50.0,
                                 "won_count": 1, "won_amount": "50000.00"}
    assert row["mine"]["customers"] == 1 and row["mine"]["done_pct"] is None and row["mine"]["won_count"] == 0
    sentence = brief_sentences(build_brief(rep, week_end=FRIDAY, now=FRIDAY_5PM))["products"][0]
    assert "同事在 2 家客户处主推，承诺兑现率 50%，赢单 1 笔（¥50,000.00）" in sentence
    assert "你在 1 家客户处主推，承诺兑现率 —，赢单 0 笔" in sentence


# ---------------------------------------------------------------------------------------------------------
# Sending and the schedule


def test_sending_a_brief_twice_stores_and_notifies_once(actors):
    brief, created = brief_send(rep=actors.rep, week_end=FRIDAY, now=FRIDAY_5PM)
    again, created_again = brief_send(rep=actors.rep, week_end=FRIDAY, now=FRIDAY_5PM + timedelta(hours=1))
    assert created and not created_again and again.pk == brief.pk
    assert brief.week_start == date(2026, 11, 14) and brief.week_end == FRIDAY
    notes = Notification.objects.filter(recipient=actors.rep, source="visit_brief")
    assert notes.count() == 1
    assert notes.get().link == f"/visits/brief/{brief.pk}/"
    assert "本周无新的风险信号。" in notes.get().body


@pytest.mark.parametrize(("moment", "sent"), [
    (datetime(2026, 11, 19, 18, 0, tzinfo=SHANGHAI), 0),   # Thursday
    (datetime(2026, 11, 20, 16, 59, tzinfo=SHANGHAI), 0),  # Friday, before the hour
    (datetime(2026, 11, 20, 17, 3, tzinfo=SHANGHAI), 3),   # Friday at the hour: the three reps
    (datetime(2026, 11, 20, 23, 3, tzinfo=SHANGHAI), 3),   # later the same day (a worker that was down)
    (datetime(2026, 11, 21, 17, 3, tzinfo=SHANGHAI), 0),   # Saturday
])
def test_the_hourly_check_sends_only_from_the_configured_weekday_and_hour(actors, moment, sent):
    assert briefs_send_due(now=moment) == sent
    reps = set(WeeklyBrief.objects.values_list("rep__username", flat=True))
    assert reps == ({"rep_east_1", "rep_east_2", "rep_south_1"} if sent else set())


def test_later_hourly_checks_send_only_to_reps_still_without_the_weeks_brief(actors):
    brief_send(rep=actors.teammate, week_end=FRIDAY, now=datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))  # button
    assert briefs_send_due(now=datetime(2026, 11, 20, 17, 3, tzinfo=SHANGHAI)) == 2
    assert briefs_send_due(now=datetime(2026, 11, 20, 18, 3, tzinfo=SHANGHAI)) == 0
    assert Notification.objects.filter(source="visit_brief").count() == 3


def test_the_weekday_and_hour_are_settings(actors):
    setting_update(key="visits.brief_weekday", raw_value="1", actor=actors.sales_ops)
    setting_update(key="visits.brief_hour", raw_value="8", actor=actors.sales_ops)
    assert briefs_send_due(now=FRIDAY_5PM) == 0
    monday = datetime(2026, 11, 23, 8, 30, tzinfo=SHANGHAI)
    assert briefs_send_due(now=monday) == 3
    assert WeeklyBrief.objects.filter(week_start=date(2026, 11, 17)).count() == 3


def test_the_periodic_task_runs_the_check_on_the_company_clock(actors):
    with time_machine.travel(datetime(2026, 11, 20, 17, 3, tzinfo=SHANGHAI), tick=False):
        assert tasks.send_weekly_briefs.call_local() == 3
    with time_machine.travel(datetime(2026, 11, 20, 12, 3, tzinfo=SHANGHAI), tick=False):
        assert tasks.send_weekly_briefs.call_local() == 0


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_a_rep_sees_their_latest_brief_and_earlier_weeks(actors):
    customer = make_customer(actors.rep, name="东方超市", grade="A")
    record(actors.rep, customer, at(18), notes="门口发现竞品进场")
    earlier, _ = brief_send(rep=actors.rep, week_end=FRIDAY - timedelta(days=7), now=FRIDAY_5PM)
    latest, _ = brief_send(rep=actors.rep, week_end=FRIDAY, now=FRIDAY_5PM)
    page = signed_in(actors.rep).get("/visits/brief/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "你的 1 家 A 级客户在近 7 天提到“竞品进场”：东方超市。" in html
    assert f'/visits/brief/{earlier.pk}/' in html and "2026-11-07 至 2026-11-13" in html
    assert signed_in(actors.rep).get(f"/visits/brief/{latest.pk}/").status_code == 200


def test_a_rep_without_briefs_is_told_when_they_come(actors):
    html = signed_in(actors.rep).get("/visits/brief/").content.decode()
    assert "还没有简报。" in html and "每周五 17 点自动生成" in html


@pytest.mark.parametrize(("viewer", "status"), [("rep", 200), ("team_lead", 200), ("regional_manager", 200),
                                                ("director", 200), ("teammate", 404), ("other_rep", 404),
                                                ("other_manager", 404)])
def test_who_may_open_a_reps_brief(actors, viewer, status):
    brief, _ = brief_send(rep=actors.rep, week_end=FRIDAY, now=FRIDAY_5PM)
    assert signed_in(getattr(actors, viewer)).get(f"/visits/brief/{brief.pk}/").status_code == status


def test_a_team_lead_lists_the_briefs_of_their_team(actors):
    brief_send(rep=actors.rep, week_end=FRIDAY, now=FRIDAY_5PM)
    brief_send(rep=actors.other_rep, week_end=FRIDAY, now=FRIDAY_5PM)
    html = signed_in(actors.team_lead).get("/visits/brief/").content.decode()
    assert "团队成员的简报" in html and "张伟" in html and "李娜" not in html


def test_the_button_builds_the_reps_own_brief_once(actors):
    client = signed_in(actors.rep)
    first = client.post("/visits/brief/generate/")
    brief = WeeklyBrief.objects.get(rep=actors.rep)
    assert first.status_code == 302 and first["Location"] == f"/visits/brief/{brief.pk}/"
    assert client.post("/visits/brief/generate/").status_code == 302
    assert WeeklyBrief.objects.count() == 1
    assert client.get("/visits/brief/generate/").status_code == 405
    assert Notification.objects.filter(source="visit_brief").count() == 1
