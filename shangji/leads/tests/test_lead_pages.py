"""The lead workspace pages: who sees which lead, the queue tabs (claim, assign, recycle with htmx), the detail
page (score explanation, assignment history, touches, archive) and manual entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from shangji.conftest import signed_in
from shangji.customers.models import Industry
from shangji.leads.choices import AssignmentKind, LeadStatus, Source
from shangji.leads.models import Lead, LeadAssignment, LeadTouch
from shangji.leads.services import LeadInput, campaign_create, lead_capture, lead_touch, leads_mark_silent
from shangji.org.models import Territory

pytestmark = pytest.mark.django_db

# A Tuesday, 10:00 in Shanghai: inside default working hours.
WORKING_HOURS = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)
# The same Tuesday, 22:00 in Shanghai: nobody on shift, captured leads wait in the team queue.
AFTER_HOURS = dt.datetime(2026, 11, 17, 14, 0, tzinfo=dt.UTC)


@dataclass
class Leads:
    mine: Lead  # the rep's, from marketing's campaign
    queued: Lead  # waiting in 上海一组's queue
    south: Lead  # the other region's rep's


def capture(*, name: str, phone: str, owner=None, campaign=None, actor=None, **fields) -> Lead:
    data = LeadInput(name=name, phone=phone, city=fields.pop("city", "上海"), **fields)
    return lead_capture(source=Source.MANUAL, data=data, campaign=campaign, actor=actor or owner, owner=owner)[0]


@pytest.fixture(name="leads")
def leads_fixture(actors) -> Leads:
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    campaign = campaign_create(actor=actors.marketing, name="上海工业展", industry=Industry.objects.get(name="制造业"))
    mine = capture(name="黄先生", phone="13800138001", owner=actors.rep, campaign=campaign,
                   company="上海精工机械有限公司", industry="制造业", budget="50-100", need="想升级ERP")
    with time_machine.travel(AFTER_HOURS, tick=False):
        queued = capture(name="钱女士", phone="13800138002", actor=actors.director, company="上海浦江贸易有限公司")
    south = capture(name="孙先生", phone="13800138003", owner=actors.other_rep, city="深圳",
                    company="深圳南山电子有限公司")
    assert queued.owner is None and queued.team == actors.team and queued.status == LeadStatus.QUEUED
    return Leads(mine=mine, queued=queued, south=south)


LIST_QUERY_BUDGET = 12

# who sees what: name → (mine, queued, south)
MATRIX = {
    "rep": (True, True, False),
    "teammate": (False, True, False),
    "other_rep": (False, False, True),
    "team_lead": (True, True, False),
    "regional_manager": (True, True, False),
    "other_manager": (False, False, True),
    "director": (True, True, True),
    "sales_ops": (True, True, True),
    "finance": (True, True, True),
    "admin": (True, True, True),
    "presales": (False, False, False),
    "marketing": (True, False, False),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_each_actor_sees_exactly_the_leads_their_role_allows_on_list_and_detail(actors, leads, who):
    client = signed_in(getattr(actors, who))
    html = client.get("/leads/", {"queue": "all"}).content.decode()
    for lead, visible in zip((leads.mine, leads.queued, leads.south), MATRIX[who], strict=True):
        assert (f"/leads/{lead.pk}/" in html) is visible, (who, lead.name)
        assert client.get(f"/leads/{lead.pk}/").status_code == (200 if visible else 404), (who, lead.name)


def test_anonymous_visitors_are_sent_to_log_in(client, leads):
    assert client.get("/leads/").status_code == 302
    assert client.get(f"/leads/{leads.mine.pk}/").status_code == 302


def test_a_reps_tabs_show_their_open_leads_and_their_teams_queue(actors, leads):
    client = signed_in(actors.rep)
    mine = client.get("/leads/").content.decode()
    assert "黄先生" in mine and "钱女士" not in mine
    team = client.get("/leads/", {"queue": "team"}).content.decode()
    assert "钱女士" in team and "黄先生" not in team and "认领" in team


def test_my_queue_is_sorted_by_score_then_newest(actors, leads):
    low = capture(name="低分客户", phone="13800138011", owner=actors.rep)
    high = capture(name="高分客户", phone="13800138012", owner=actors.rep, company="上海大型制造集团",
                   industry="制造业", budget="gt100", scale="large")
    assert high.score > low.score
    html = signed_in(actors.rep).get("/leads/").content.decode()
    assert html.index("高分客户") < html.index("低分客户")


def test_a_rep_claims_a_queued_lead_with_one_htmx_click(actors, leads):
    response = signed_in(actors.teammate).post(f"/leads/{leads.queued.pk}/claim/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "已认领" in response.content.decode() and f'id="lead-row-{leads.queued.pk}"' in response.content.decode()
    leads.queued.refresh_from_db()
    assert leads.queued.owner == actors.teammate and leads.queued.status == LeadStatus.ASSIGNED
    assert LeadAssignment.objects.filter(lead=leads.queued, kind=AssignmentKind.CLAIM,
                                         to_owner=actors.teammate).exists()


def test_a_second_claim_is_refused_and_the_first_rep_keeps_the_lead(actors, leads):
    signed_in(actors.teammate).post(f"/leads/{leads.queued.pk}/claim/", HTTP_HX_REQUEST="true")
    response = signed_in(actors.rep).post(f"/leads/{leads.queued.pk}/claim/", HTTP_HX_REQUEST="true")
    # The rep no longer sees the lead (it is the teammate's now): the detail is hidden, nothing changes.
    assert response.status_code == 404
    leads.queued.refresh_from_db()
    assert leads.queued.owner == actors.teammate
    assert LeadAssignment.objects.filter(lead=leads.queued, kind=AssignmentKind.CLAIM).count() == 1


def test_a_manager_assigns_a_queued_lead_to_a_member_from_the_team_tab(actors, leads):
    client = signed_in(actors.team_lead)
    tab = client.get("/leads/").content.decode()  # a manager starts on the team queue
    assert "钱女士" in tab and "分配给" in tab
    response = client.post(f"/leads/{leads.queued.pk}/assign/", {"owner": actors.rep.pk}, HTTP_HX_REQUEST="true")
    assert "已分配给 张伟" in response.content.decode()
    leads.queued.refresh_from_db()
    assert leads.queued.owner == actors.rep
    assert LeadAssignment.objects.filter(lead=leads.queued, kind=AssignmentKind.MANUAL, actor=actors.team_lead).exists()


def test_a_rep_cannot_assign_and_nothing_changes(actors, leads):
    response = signed_in(actors.rep).post(f"/leads/{leads.queued.pk}/assign/", {"owner": actors.rep.pk})
    assert response.status_code == 403
    leads.queued.refresh_from_db()
    assert leads.queued.owner is None


def test_a_manager_cannot_assign_to_someone_outside_their_scope(actors, leads):
    response = signed_in(actors.team_lead).post(f"/leads/{leads.queued.pk}/assign/",
                                                {"owner": actors.other_rep.pk}, HTTP_HX_REQUEST="true")
    assert "不能把线索分配给该用户" in response.content.decode()
    leads.queued.refresh_from_db()
    assert leads.queued.owner is None


def a_working_morning_after(days: int) -> dt.datetime:
    """WORKING_HOURS's weekday and hour (reps on shift), the first such day at least `days` days from now."""
    moment = WORKING_HOURS
    while moment < timezone.now() + dt.timedelta(days=days):
        moment += dt.timedelta(weeks=1)
    return moment


def test_a_silent_lead_shows_in_the_pool_and_the_manager_recycles_it_to_someone_else(actors, leads):
    lead_touch(lead=leads.mine, actor=actors.rep, kind="call", note="初次沟通")  # now: the leads were captured now
    with time_machine.travel(a_working_morning_after(days=30), tick=False):
        assert leads_mark_silent() == 1
        client = signed_in(actors.team_lead)
        pool = client.get("/leads/", {"queue": "silent"}).content.decode()
        assert "黄先生" in pool and "回收" in pool
        response = client.post(f"/leads/{leads.mine.pk}/recycle/", HTTP_HX_REQUEST="true")
    assert "已回收" in response.content.decode()
    leads.mine.refresh_from_db()
    assert leads.mine.owner == actors.teammate and leads.mine.silent_since is None
    assert LeadAssignment.objects.filter(lead=leads.mine, kind=AssignmentKind.RECYCLE).exists()


def test_the_all_tab_filters_by_status_source_campaign_and_score(actors, leads):
    client = signed_in(actors.director)
    html = client.get("/leads/", {"queue": "all", "status": "queued"}).content.decode()
    assert "钱女士" in html and "黄先生" not in html
    html = client.get("/leads/", {"queue": "all", "campaign": leads.mine.campaign_id}).content.decode()
    assert "黄先生" in html and "孙先生" not in html
    html = client.get("/leads/", {"queue": "all", "score_min": leads.mine.score + 1}).content.decode()
    assert "黄先生" not in html
    html = client.get("/leads/", {"queue": "all", "owner": actors.other_rep.pk}).content.decode()
    assert "孙先生" in html and "黄先生" not in html


def test_the_detail_explains_the_score_line_by_line_and_shows_the_sum(actors, leads):
    html = signed_in(actors.rep).get(f"/leads/{leads.mine.pk}/").content.decode()
    for line in leads.mine.score_explanation:
        sign = "+" if line["points"] > 0 else ""
        assert line["label"] in html and f"{sign}{line['points']}<" in html
    assert sum(line["points"] for line in leads.mine.score_explanation) == leads.mine.score
    assert "合计" in html and f"<span>{leads.mine.score}</span>" in html
    assert "由 张伟 手工录入并跟进" in html  # the assignment reason and its history row
    assert "上海工业展" in html


def test_the_detail_flags_a_malformed_phone(actors, leads):
    lead = capture(name="周先生", phone="12345", owner=actors.rep)
    assert "号码格式异常" in signed_in(actors.rep).get(f"/leads/{lead.pk}/").content.decode()
    assert "号码格式异常" not in signed_in(actors.rep).get(f"/leads/{leads.mine.pk}/").content.decode()


def test_the_detail_shows_the_chains_steps_for_an_automatic_assignment(actors, leads):
    with time_machine.travel(WORKING_HOURS, tick=False):
        lead = capture(name="吴先生", phone="13800138021", actor=actors.director)
    assert lead.owner in (actors.rep, actors.teammate)
    html = signed_in(lead.owner).get(f"/leads/{lead.pk}/").content.decode()
    step = lead.assignments.get().steps[0]
    assert step["text"] in html and "自动分配" in html


def test_the_owner_records_the_first_touch_and_the_clock_stops(actors, leads):
    client = signed_in(actors.rep)
    page = client.post(f"/leads/{leads.mine.pk}/touch/", {"kind": "call", "note": "电话沟通，约下周演示"},
                       follow=True).content.decode()
    assert "已记录跟进" in page and "电话沟通，约下周演示" in page
    leads.mine.refresh_from_db()
    assert leads.mine.first_contact_at is not None and leads.mine.status == LeadStatus.CONTACTED


@pytest.mark.parametrize("who, code", [("teammate", 404), ("other_manager", 404), ("finance", 403),
                                       ("marketing", 403)])
def test_people_who_may_not_change_the_lead_cannot_touch_or_archive_it(actors, leads, who, code):
    client = signed_in(getattr(actors, who))
    assert client.post(f"/leads/{leads.mine.pk}/touch/", {"kind": "call", "note": "x"}).status_code == code
    assert client.post(f"/leads/{leads.mine.pk}/archive/", {"reason": "no_need"}).status_code == code
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ASSIGNED and not LeadTouch.objects.exists()


def test_archiving_needs_a_reason_and_then_closes_the_lead(actors, leads):
    client = signed_in(actors.rep)
    page = client.post(f"/leads/{leads.mine.pk}/archive/", {"reason": ""}, follow=True).content.decode()
    assert "请选择归档原因" in page
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ASSIGNED
    page = client.post(f"/leads/{leads.mine.pk}/archive/", {"reason": "no_need"}, follow=True).content.decode()
    assert "已归档：暂无需求" in page
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ARCHIVED and leads.mine.archive_reason == "no_need"


def test_a_rep_enters_a_lead_by_hand_and_follows_it_up_themselves(actors, leads):
    response = signed_in(actors.rep).post("/leads/new/", {
        "name": "冯先生", "company": "上海恒通物流有限公司", "phone": "139 1234 5678", "budget": "10-50",
        "city": actors.shanghai.pk, "need": "车队管理"})
    lead = Lead.objects.get(name="冯先生")
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    assert lead.owner == actors.rep and lead.source == Source.MANUAL and lead.phone == "13912345678"
    assert lead.created_by == actors.rep and lead.score is not None


def test_a_managers_manual_lead_goes_through_the_assignment_chain(actors, leads):
    with time_machine.travel(WORKING_HOURS, tick=False):
        signed_in(actors.team_lead).post("/leads/new/", {"name": "褚女士", "phone": "13912345679",
                                                          "city": actors.shanghai.pk})
    lead = Lead.objects.get(name="褚女士")
    assert lead.owner in (actors.rep, actors.teammate) and "上海" in lead.assignment_reason


def test_bad_manual_input_is_explained_in_chinese_and_nothing_is_saved(actors, leads):
    before = Lead.objects.count()
    html = signed_in(actors.rep).post("/leads/new/", {"name": "卫先生", "email": "不是邮箱"}).content.decode()
    assert "电子邮箱格式不正确" in html
    assert Lead.objects.count() == before
    html = signed_in(actors.rep).post("/leads/new/", {"name": "卫先生"}).content.decode()
    assert "请至少填写手机或邮箱" in html
    assert Lead.objects.count() == before


def test_the_list_page_stays_within_its_query_budget(actors, leads, django_assert_max_num_queries):
    for i in range(12):
        lead = capture(name=f"客户{i}", phone=f"139000000{i:02d}", owner=actors.rep, company=f"公司{i}")
        lead_touch(lead=lead, actor=actors.rep, kind="call")
    client = signed_in(actors.team_lead)
    client.get("/leads/", {"queue": "all"})  # warm the session and the settings cache
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get("/leads/", {"queue": "all"})
    assert response.content.decode().count('id="lead-row-') == 14
    for i in range(12, 24):  # twice the rows, the same number of queries: nothing per row
        capture(name=f"客户{i}", phone=f"139000000{i:02d}", owner=actors.teammate)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get("/leads/", {"queue": "all"})
    assert response.content.decode().count('id="lead-row-') == 25
