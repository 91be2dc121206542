"""Points (V1): the ledger a rep sees, the leaderboard by period and scope, and spending points on rewards —
refused when short or switched off, never overdrawn by two redemptions at once."""

import threading
import uuid
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from shangji.conftest import make_customer, signed_in
from shangji.core.models import AuditEntry
from shangji.notify.models import Notification
from shangji.visits import selectors, services
from shangji.visits.models import PointEntry, Reward, Visit

pytestmark = pytest.mark.django_db
SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def _earn(user, points: int, at=None) -> PointEntry:
    return PointEntry.objects.create(user=user, points=points, created_at=at or timezone.now())


def _sync_visit(api, user, customer, **fields):
    now = timezone.now()
    item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded",
            "pain_keywords": ["交期长"], "committed_action": "周五前寄样品", "visited_at": now.isoformat(),
            "next_follow_up_at": (now + timedelta(days=2)).isoformat(), **fields}
    response = api(user).post("/api/visits/sync/", {"visits": [item]}, format="json")
    assert response.status_code == 200 and response.json()["results"][0]["outcome"] == "created", response.content
    return Visit.objects.get(client_id=item["client_id"])


def test_the_points_page_shows_my_balance_and_which_visit_field_earned_what(actors, api):
    customer = make_customer(actors.rep, name="上海佳禾超市有限公司")
    _sync_visit(api, actors.rep, customer, stock_level=40, competitor_price="12.80")
    reward = Reward.objects.create(name="产品培训 2 课时", cost=15)
    services.reward_redeem(actor=actors.rep, reward=reward)
    page = signed_in(actors.rep).get("/visits/points/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-balance="5"' in text  # 2 × 10 earned − 15 spent
    assert "库存数量" in text and "竞品价格" in text and "上海佳禾超市有限公司" in text
    assert "兑换：产品培训 2 课时" in text and "-15" in text


def test_the_ledger_lists_only_my_own_entries(actors):
    _earn(actors.rep, 10)
    _earn(actors.teammate, 30)
    assert [entry.points for entry in selectors.point_ledger(user=actors.rep)] == [10]


def test_the_leaderboard_ranks_my_team_by_default_and_the_company_on_request(actors):
    _earn(actors.rep, 20)
    _earn(actors.teammate, 50)
    _earn(actors.other_rep, 90)  # another region: not in my team's board
    team, mine = selectors.points_leaderboard(user=actors.rep, period="month", scope="team", size=10)
    assert [(row["name"], row["points"], row["rank"]) for row in team] == [("王芳", 50, 1), ("张伟", 20, 2)]
    assert mine["rank"] == 2 and team[1]["is_me"]
    company, _mine = selectors.points_leaderboard(user=actors.rep, period="month", scope="company", size=10)
    assert [row["name"] for row in company] == ["李娜", "王芳", "张伟"]
    page = signed_in(actors.rep).get("/visits/points/?scope=company").content.decode()
    assert 'data-name="李娜"' in page
    assert 'data-name="李娜"' not in signed_in(actors.rep).get("/visits/points/").content.decode()


def test_the_leaderboard_counts_points_earned_in_the_week_month_or_quarter_and_ignores_redemptions(actors):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), tick=False):  # a Friday
        _earn(actors.rep, 10, at=datetime(2026, 11, 17, 9, 0, tzinfo=SHANGHAI))  # this week (Tuesday)
        _earn(actors.rep, 20, at=datetime(2026, 11, 3, 9, 0, tzinfo=SHANGHAI))  # this month
        _earn(actors.rep, 40, at=datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI))  # this quarter
        _earn(actors.rep, 80, at=datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))  # last quarter
        _earn(actors.rep, -25, at=datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI))  # a redemption
        totals = {period: selectors.points_leaderboard(user=actors.rep, period=period, scope="team", size=5)[1]
                  for period in ("week", "month", "quarter")}
        assert {period: row["points"] for period, row in totals.items()} == {"week": 10, "month": 30, "quarter": 70}


def test_my_own_rank_is_shown_below_the_top_when_i_am_not_in_it(actors):
    _earn(actors.teammate, 50)
    _earn(actors.team_lead, 40)
    _earn(actors.rep, 10)
    board, mine = selectors.points_leaderboard(user=actors.rep, period="month", scope="team", size=1)
    assert [(row["name"], row["rank"]) for row in board] == [("王芳", 1), ("张伟", 3)]
    assert mine["is_me"]


def test_equal_points_share_a_rank(actors):
    _earn(actors.rep, 30)
    _earn(actors.teammate, 30)
    board, _mine = selectors.points_leaderboard(user=actors.rep, period="month", scope="team", size=5)
    assert [row["rank"] for row in board] == [1, 1]


def test_redeeming_writes_a_negative_entry_an_audit_row_and_tells_the_manager(actors):
    _earn(actors.rep, 100)
    reward = Reward.objects.create(name="物流优先发货一次", description="下一单优先排车", cost=60)
    response = signed_in(actors.rep).post(f"/visits/points/rewards/{reward.pk}/redeem/", follow=True)
    assert "已兑换“物流优先发货一次”" in response.content.decode()
    entry = PointEntry.objects.get(user=actors.rep, reward=reward)
    assert entry.points == -60 and services.points_balance(user=actors.rep) == 40
    assert AuditEntry.objects.filter(entity="reward", entity_id=reward.pk, action="redeemed",
                                     actor=actors.rep).exists()
    note = Notification.objects.get(source="visit_points")
    assert note.recipient == actors.team_lead and "物流优先发货一次" in note.title and "下一单优先排车" in note.body


def test_a_short_balance_is_refused_with_the_numbers_and_changes_nothing(actors):
    _earn(actors.rep, 30)
    reward = Reward.objects.create(name="产品培训 2 课时", cost=50)
    with pytest.raises(ValidationError) as error:
        services.reward_redeem(actor=actors.rep, reward=reward)
    assert "积分不足：兑换“产品培训 2 课时”需要 50 分，你现有 30 分。" in error.value.messages
    response = signed_in(actors.rep).post(f"/visits/points/rewards/{reward.pk}/redeem/", follow=True)
    assert "积分不足" in response.content.decode()
    assert PointEntry.objects.filter(reward__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(entity="reward").exists() and not Notification.objects.exists()


def test_a_switched_off_reward_cannot_be_redeemed(actors):
    _earn(actors.rep, 100)
    reward = Reward.objects.create(name="旧奖励", cost=10, is_active=False)
    with pytest.raises(ValidationError, match="已停止兑换"):
        services.reward_redeem(actor=actors.rep, reward=reward)
    assert services.points_balance(user=actors.rep) == 100


def test_the_points_page_needs_a_login(client):
    assert client.get("/visits/points/").status_code == 302


def test_redeeming_needs_a_post(actors):
    reward = Reward.objects.create(name="产品培训", cost=1)
    _earn(actors.rep, 5)
    assert signed_in(actors.rep).get(f"/visits/points/rewards/{reward.pk}/redeem/").status_code == 405
    assert services.points_balance(user=actors.rep) == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_redemptions_at_once_never_overdraw(actors):
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test runs the suite there too)")
    _earn(actors.rep, 100)
    reward = Reward.objects.create(name="物流优先发货一次", cost=60)
    barrier, results = threading.Barrier(3), []

    def redeem():
        try:
            barrier.wait()
            results.append(services.reward_redeem(actor=actors.rep, reward=reward))
        except Exception as error:  # collected for the assertions
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(result, PointEntry) for result in results) == 1, results
    assert all(isinstance(result, (PointEntry, ValidationError)) for result in results), results
    assert services.points_balance(user=actors.rep) == 40


@pytest.mark.django_db(transaction=True)
def test_a_rep_redeems_a_reward_on_a_phone_after_confirming(actors, page):
    from shangji.conftest import log_in

    _earn(actors.rep, 80)
    Reward.objects.create(name="产品培训 2 课时", cost=50)
    Reward.objects.create(name="物流优先发货一次", cost=200)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, actors.rep.username)
    page.goto("/visits/points/")
    assert page.locator("[data-reward='物流优先发货一次']").get_by_role("button", name="兑换").count() == 0
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("[data-reward='产品培训 2 课时']").get_by_role("button", name="兑换").click()
    assert page.locator("[data-balance]").inner_text() == "80"  # dismissed: nothing spent
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-reward='产品培训 2 课时']").get_by_role("button", name="兑换").click()
    page.get_by_text("已兑换“产品培训 2 课时”").wait_for()
    assert page.locator("[data-balance]").inner_text() == "30"
    assert services.points_balance(user=actors.rep) == 30
