"""/visits/team/: who sees which rows, the filters, bad filter values answered in Chinese, the recent visits' pages,
a query budget, a browser walk, and a smoke run of the 500k-visit benchmark's code path."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shangji.conftest import log_in, make_customer, signed_in
from shangji.visits import rollups
from shangji.visits.choices import VisitStatus
from shangji.visits.models import Visit, VisitPhoto, VisitSignal

pytestmark = pytest.mark.django_db
URL = "/visits/team/"


def _visit(owner, customer, *, days_ago=1, delay_h=1.0, status=VisitStatus.RECORDED, action_done=None, **fields):
    visited = timezone.now() - timedelta(days=days_ago)
    recorded = visited + timedelta(hours=delay_h) if status == VisitStatus.RECORDED else None
    visit = Visit.objects.create(
        client_id=uuid.uuid4(), customer=customer, owner=owner, status=status, visited_at=visited,
        recorded_at=recorded, record_delay_s=int(delay_h * 3600) if recorded else None, committed_action="回访",
        action_done=action_done, created_at=visited, updated_at=visited, **fields)
    _rolled(visit)
    return visit


def _rolled(visit):
    """Rows written past the services refresh the manager's rollups themselves, as the bulk loaders do."""
    rollups.refresh(rollups.key_of(visit.owner_id, visit.visited_at))


@pytest.fixture
def company(actors):
    """One visit each for the two reps of 上海一组 and the rep of 深圳一组, in their own cities."""
    shanghai = make_customer(actors.rep, name="上海恒瑞精密机械有限公司", city_id=actors.shanghai.pk)
    shenzhen = make_customer(actors.other_rep, name="深圳华强电子有限公司", city_id=actors.shenzhen.pk)
    _visit(actors.rep, shanghai, delay_h=1)
    _visit(actors.teammate, shanghai, delay_h=5, checkin_flag="far", checkin_distance_m=2300,
           checked_in_at=timezone.now() - timedelta(days=1))
    _visit(actors.other_rep, shenzhen, delay_h=1)
    return actors


def _reps(response) -> set[int]:
    return {row.key for row in response.context["metrics"].reps}


def test_each_actor_sees_the_rows_of_the_visits_they_may_see(company):
    a = company
    expected = {
        "rep": {a.rep.pk}, "teammate": {a.teammate.pk}, "other_rep": {a.other_rep.pk},
        "team_lead": {a.rep.pk, a.teammate.pk},
        "regional_manager": {a.rep.pk, a.teammate.pk},
        "other_manager": {a.other_rep.pk},
        "director": {a.rep.pk, a.teammate.pk, a.other_rep.pk},
    }
    for name, reps in expected.items():
        response = signed_in(getattr(a, name)).get(URL)
        assert response.status_code == 200, name
        assert _reps(response) == reps, name
        totals = response.context["metrics"].total.visits
        assert totals == len(reps), name
    page = signed_in(a.team_lead).get(URL).content.decode()
    assert "张伟" in page and "王芳" in page and "李娜" not in page and "深圳华强电子有限公司" not in page
    assert "签到距客户 2300 米" in page and "记录延迟 5.0 小时" in page


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_is_named_index_in_visit_manager():
    assert reverse("visit_manager:index") == URL


def test_team_city_and_period_filters_narrow_the_numbers(company):
    a = company
    director = signed_in(a.director)
    south = a.other_rep.org_unit_id
    assert _reps(director.get(URL, {"team": south})) == {a.other_rep.pk}
    assert _reps(director.get(URL, {"city": a.shanghai.pk})) == {a.rep.pk, a.teammate.pk}
    _visit(a.rep, Visit.objects.filter(owner=a.rep).first().customer, days_ago=60)
    assert director.get(URL, {"period": "30"}).context["metrics"].total.visits == 3
    assert director.get(URL, {"period": "90"}).context["metrics"].total.visits == 4
    today = timezone.localdate()
    custom = director.get(URL, {"period": "custom", "start": (today - timedelta(days=61)).isoformat(),
                                "end": (today - timedelta(days=59)).isoformat()})
    assert custom.context["metrics"].total.visits == 1


@pytest.mark.parametrize(("params", "message"), [
    ({"period": "forever"}, "没有这个期间"),
    ({"team": "99999"}, "没有这个团队"),
    ({"team": "abc"}, "没有这个团队"),
    ({"city": "-1"}, "没有这个地市"),
    ({"period": "custom", "start": "2026-13-45", "end": "2026-01-01"}, "开始日期格式不正确"),
    ({"period": "custom"}, "自定义期间请填写开始日期"),
    ({"period": "custom", "start": "2026-03-01", "end": "2026-02-01"}, "结束日期不能早于开始日期"),
    ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"}, "自定义期间最长 366 天"),
])
def test_bad_filter_values_get_a_chinese_message_and_the_default_numbers(company, params, message):
    response = signed_in(company.director).get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "筛选条件有误" in page
    assert response.context["metrics"].total.visits == 3  # the default period, all teams and cities


def test_a_team_lead_cannot_filter_by_a_team_outside_their_subtree(company):
    response = signed_in(company.team_lead).get(URL, {"team": company.other_rep.org_unit_id})
    assert "没有这个团队，或您无权查看它。" in response.content.decode()
    assert _reps(response) == {company.rep.pk, company.teammate.pk}


def test_kpis_turn_red_below_target_and_green_at_or_above(company):
    page = signed_in(company.team_lead).get(URL).content.decode()  # 1 of 2 recorded on time: 50 % < 95 %
    assert 'data-kpi="timely"' in page and "50.0%" in page
    kpi = page.split('data-kpi="timely"')[0].rsplit("<div", 1)[1]
    assert "border-danger" in kpi
    page = signed_in(company.rep).get(URL).content.decode()
    kpi = page.split('data-kpi="timely"')[0].rsplit("<div", 1)[1]
    assert "border-success" in kpi


def test_pending_actions_are_shown_apart_from_missed_ones(company):
    customer = Visit.objects.filter(owner=company.rep).first().customer
    _visit(company.rep, customer, days_ago=3, action_done=True)
    _visit(company.rep, customer, days_ago=2, action_done=False)
    response = signed_in(company.rep).get(URL)
    total = response.context["metrics"].total
    assert (total.actions_done, total.actions_missed, total.actions_pending) == (1, 1, 1)
    page = response.content.decode()
    assert "完成 1 · 未完成 1 · 待确认 1" in page and "不算未完成" in page


def test_top_problems_and_recent_visit_flags_are_on_the_page(company):
    visit = Visit.objects.get(owner=company.rep)
    VisitSignal.objects.create(visit=visit, customer=visit.customer, owner=visit.owner, kind="stock_out", label="缺货",
                               risk="high", word="缺货", snippet="缺货", found_at=visit.visited_at)
    VisitPhoto.objects.create(client_id=uuid.uuid4(), visit=visit, file="visits/x.jpg", content_type="image/jpeg",
                              size=1, width=1, height=1, flags=["far"], created_at=visit.visited_at)
    _rolled(visit)
    page = signed_in(company.team_lead).get(URL).content.decode()
    problems = page.split('id="manager-problems"')[1].split('id="manager-cities"')[0]
    assert "上海一组" in problems and "缺货" in problems and "1 家客户" in problems and "▲1" in problems
    recent = page.split('id="manager-recent"')[1]
    assert "拍摄地点离客户太远" in recent and "缺货" in recent


def test_recent_visits_come_fifty_a_page_and_further_pages_load_as_a_fragment(company):
    customer = Visit.objects.filter(owner=company.rep).first().customer
    for hour in range(60):
        _visit(company.rep, customer, days_ago=2 + hour / 100)
    rep = signed_in(company.rep)
    first = rep.get(URL)
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.count == 61
    assert "第 1 / 2 页" in first.content.decode()
    fragment = rep.get(URL, {"page": 2, "part": "recent"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and body.count("data-visit=") == 11


def test_the_page_costs_the_same_number_of_queries_with_more_reps_and_visits(company):
    director = signed_in(company.director)
    director.get(URL)
    with CaptureQueriesContext(connection) as few:
        director.get(URL)
    from shangji.org.choices import Role
    from shangji.org.services import user_create

    for index in range(5):
        rep = user_create(username=f"extra_{index}", password=None, name=f"新人{index}", role=Role.REP,
                          org_unit=company.team)
        customer = make_customer(rep, name=f"上海第{index}号精密机械有限公司", city_id=company.shanghai.pk)
        for days in range(3):
            visit = _visit(rep, customer, days_ago=days + 1)
            VisitPhoto.objects.create(client_id=uuid.uuid4(), visit=visit, file="visits/x.jpg",
                                      content_type="image/jpeg", size=1, width=1, height=1, flags=[],
                                      created_at=visit.visited_at)
            _rolled(visit)
    with CaptureQueriesContext(connection) as many:
        director.get(URL)
    assert len(many) == len(few) <= 20


def test_a_director_sorts_the_rep_table_and_pages_through_recent_visits_in_the_browser(company, page):
    customer = Visit.objects.filter(owner=company.rep).first().customer
    for hour in range(55):
        _visit(company.rep, customer, days_ago=2 + hour / 100, delay_h=3)
    log_in(page, company.director.username)
    page.goto(URL)
    assert page.get_by_role("heading", name="团队拜访").is_visible()
    reps = page.locator("#manager-reps tbody tr")
    header = page.locator("#manager-reps th", has_text="已记录")
    header.click()  # ascending
    assert reps.first.get_attribute("data-rep") in {str(company.teammate.pk), str(company.other_rep.pk)}
    header.click()  # descending: 张伟 with 56 visits first
    assert reps.first.get_attribute("data-rep") == str(company.rep.pk)
    page.get_by_role("link", name="下一页").click()
    page.get_by_text("第 2 / 2 页").wait_for()
    assert page.locator("#recent-table tbody tr").count() == 8
    assert page.url.endswith(URL)  # htmx swapped the list in place


def test_the_benchmark_seeds_derived_columns_the_services_agree_with_and_measures_the_page(db):
    from bench import visit_manager
    from shangji.visits.services import visit_actions_refresh

    counts = visit_manager.seed(reps=25, customers_per_rep=2, days=10, report=None)
    assert counts["reps"] >= 25 and counts["visits"] > 0 and counts["photos"] > 0
    before = dict(Visit.objects.values_list("pk", "action_done"))
    visit_actions_refresh(customer_ids=set(Visit.objects.values_list("customer_id", flat=True)))
    assert dict(Visit.objects.values_list("pk", "action_done")) == before  # the seed judged actions as services do
    assert not Visit.objects.filter(status=VisitStatus.RECORDED, record_delay_s__isnull=True).exists()
    lines = visit_manager.measure(db=connection.vendor, requests=2, warm_up=1, users=("director", "lead_east_1"),
                                  queries=("",))
    assert [line["user"] for line in lines] == ["director", "lead_east_1"]
    assert all(line["bench"] == "visits.manager_page" and line["n"] == 2 and line["p95_ms"] > 0 for line in lines)


def test_names_in_the_tables_are_escaped(company):
    from shangji.org.choices import Role
    from shangji.org.services import user_create

    rep = user_create(username="odd_name", password=None, name='<b>"王"</b>', role=Role.REP, org_unit=company.team)
    customer = make_customer(rep, name="上海第九精密机械有限公司", city_id=company.shanghai.pk)
    _visit(rep, customer)
    page = signed_in(company.director).get(URL).content.decode()
    reps = page.split('id="manager-reps"')[1].split('id="manager-problems"')[0]
    assert "&lt;b&gt;&quot;王&quot;&lt;/b&gt;" in reps and '<b>"王"</b>' not in reps
