"""`/api/leads/`: the same visibility as the pages, filters and ordering, manual entry, and the actions
(claim, assign, touch, archive, recycle) — denied writes answer 403/404 and change nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shangji.leads.choices import AssignmentKind, LeadStatus, Source
from shangji.leads.models import Lead, LeadAssignment, LeadTouch
from shangji.leads.services import AlreadyClaimed, lead_claim
from shangji.leads.tests.test_lead_pages import AFTER_HOURS, MATRIX, capture, leads_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", list(MATRIX))
def test_each_actor_lists_and_retrieves_exactly_the_leads_they_may_see(actors, leads, api, who):
    client = api(getattr(actors, who))
    listed = ids(client.get("/api/leads/"))
    for lead, visible in zip((leads.mine, leads.queued, leads.south), MATRIX[who], strict=True):
        assert (lead.pk in listed) is visible, (who, lead.name)
        assert client.get(f"/api/leads/{lead.pk}/").status_code == (200 if visible else 404), (who, lead.name)


def test_anonymous_callers_are_refused(leads, api):
    assert api(None).get("/api/leads/").status_code in (401, 403)


def test_a_lead_carries_its_score_explanation_owner_and_history_fields(actors, leads, api):
    body = api(actors.rep).get(f"/api/leads/{leads.mine.pk}/").json()
    assert body["owner"] == {"id": actors.rep.pk, "name": "张伟"}
    assert body["score"] == sum(line["points"] for line in body["score_explanation"])
    assert body["industry"] == "制造业" and body["city"] == "上海" and body["region"] == "华东大区"
    assert body["campaign"] == leads.mine.campaign_id and body["source"] == "manual"
    for key in ("phone_valid", "tags", "team", "assignment_reason", "assigned_at", "first_contact_at",
                "silent_since", "custom", "converted_at", "customer", "opportunity", "utm", "channel"):
        assert key in body


def test_filters_and_ordering_are_the_pages(actors, leads, api):
    client = api(actors.director)
    assert ids(client.get("/api/leads/", {"queue": "team"})) == {leads.queued.pk}
    assert ids(client.get("/api/leads/", {"status": "assigned", "owner": actors.rep.pk})) == {leads.mine.pk}
    assert ids(client.get("/api/leads/", {"score_min": leads.mine.score, "score_max": leads.mine.score})) >= {
        leads.mine.pk}
    assert ids(client.get("/api/leads/", {"campaign": leads.mine.campaign_id})) == {leads.mine.pk}
    newest_first = [row["id"] for row in client.get("/api/leads/", {"ordering": "-created_at"}).json()["results"]]
    assert newest_first == sorted(newest_first, key=lambda pk: Lead.objects.get(pk=pk).created_at, reverse=True)
    by_priority = [row["score"] for row in client.get("/api/leads/").json()["results"]]
    assert by_priority == sorted(by_priority, reverse=True)


def test_a_bad_filter_value_is_a_chinese_error_not_a_crash(actors, leads, api):
    response = api(actors.director).get("/api/leads/", {"status": "nonsense"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_a_rep_creates_a_lead_by_hand_and_owns_it(actors, leads, api):
    response = api(actors.rep).post("/api/leads/", {"name": "冯先生", "phone": "13912345678", "city": "上海",
                                                    "budget": "10–50万"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["id"] == actors.rep.pk and body["source"] == Source.MANUAL and body["budget"] == "10-50"


def test_manual_entry_with_bad_input_answers_400_in_chinese_and_creates_nothing(actors, leads, api):
    before = Lead.objects.count()
    response = api(actors.rep).post("/api/leads/", {"name": "冯先生", "budget": "很多"}, format="json")
    assert response.status_code == 400
    assert "请至少填写手机或邮箱" in str(response.json()["fields"]) and "预算请选择" in str(response.json()["fields"])
    assert Lead.objects.count() == before


def test_a_teammate_claims_the_queued_lead_and_a_second_claim_changes_nothing(actors, leads, api):
    response = api(actors.teammate).post(f"/api/leads/{leads.queued.pk}/claim/")
    assert response.status_code == 200 and response.json()["owner"]["id"] == actors.teammate.pk
    again = api(actors.rep).post(f"/api/leads/{leads.queued.pk}/claim/")
    assert again.status_code == 404  # the lead is the teammate's now: the rep no longer sees it
    leads.queued.refresh_from_db()
    assert leads.queued.owner == actors.teammate
    assert LeadAssignment.objects.filter(lead=leads.queued, kind=AssignmentKind.CLAIM).count() == 1


def test_two_claims_one_after_the_other_leave_one_owner(actors, leads):
    # Both reps loaded the queue (same stale object); the conditional update lets exactly one win.
    stale = Lead.objects.get(pk=leads.queued.pk)
    lead_claim(lead=Lead.objects.get(pk=leads.queued.pk), actor=actors.rep)
    with pytest.raises(AlreadyClaimed):
        lead_claim(lead=stale, actor=actors.teammate)
    leads.queued.refresh_from_db()
    assert leads.queued.owner == actors.rep
    assert LeadAssignment.objects.filter(lead=leads.queued, kind=AssignmentKind.CLAIM).count() == 1


def test_a_manager_cannot_claim_and_nothing_changes(actors, leads, api):
    assert api(actors.team_lead).post(f"/api/leads/{leads.queued.pk}/claim/").status_code == 403
    leads.queued.refresh_from_db()
    assert leads.queued.owner is None and leads.queued.status == LeadStatus.QUEUED


def test_the_team_lead_assigns_and_denied_assignments_change_nothing(actors, leads, api):
    url = f"/api/leads/{leads.queued.pk}/assign/"
    assert api(actors.rep).post(url, {"owner": actors.rep.pk}, format="json").status_code == 403
    assert api(actors.other_manager).post(url, {"owner": actors.other_rep.pk}, format="json").status_code == 404
    outside = api(actors.team_lead).post(url, {"owner": actors.other_rep.pk}, format="json")
    assert outside.status_code == 400 and "不能把线索分配给该用户" in outside.json()["message"]
    leads.queued.refresh_from_db()
    assert leads.queued.owner is None and not leads.queued.assignments.filter(kind=AssignmentKind.MANUAL).exists()
    response = api(actors.team_lead).post(url, {"owner": actors.teammate.pk, "note": "熟悉贸易行业"}, format="json")
    assert response.status_code == 200 and response.json()["owner"]["id"] == actors.teammate.pk
    assert "熟悉贸易行业" in response.json()["assignment_reason"]


def test_the_owner_records_a_touch_and_others_cannot(actors, leads, api):
    url = f"/api/leads/{leads.mine.pk}/touch/"
    assert api(actors.teammate).post(url, {"kind": "call"}, format="json").status_code == 404
    assert api(actors.finance).post(url, {"kind": "call"}, format="json").status_code == 403
    assert api(actors.marketing).post(url, {"kind": "call"}, format="json").status_code == 403
    assert not LeadTouch.objects.exists()
    bad = api(actors.rep).post(url, {"kind": "telepathy"}, format="json")
    assert bad.status_code == 400 and not LeadTouch.objects.exists()
    response = api(actors.rep).post(url, {"kind": "wechat", "note": "加了微信"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == LeadStatus.CONTACTED and response.json()["first_contact_at"]
    assert LeadTouch.objects.get().note == "加了微信"


def test_archiving_needs_a_known_reason(actors, leads, api):
    url = f"/api/leads/{leads.mine.pk}/archive/"
    assert api(actors.rep).post(url, {"reason": "bored"}, format="json").status_code == 400
    assert api(actors.teammate).post(url, {"reason": "no_need"}, format="json").status_code == 404
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ASSIGNED
    response = api(actors.rep).post(url, {"reason": "competitor"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == LeadStatus.ARCHIVED


def test_recycling_a_lead_that_is_not_silent_is_refused(actors, leads, api):
    response = api(actors.team_lead).post(f"/api/leads/{leads.mine.pk}/recycle/")
    assert response.status_code == 400 and "静默池" in response.json()["message"]
    leads.mine.refresh_from_db()
    assert leads.mine.owner == actors.rep


def test_the_api_list_stays_within_its_query_budget(actors, leads, api, django_assert_max_num_queries):
    for i in range(15):
        capture(name=f"客户{i}", phone=f"139000000{i:02d}", owner=actors.rep)
    client = api(actors.team_lead)
    client.get("/api/leads/")
    with django_assert_max_num_queries(6):
        response = client.get("/api/leads/")
    assert response.json()["count"] == 17


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reps_claiming_at_the_same_moment_leave_exactly_one_owner(actors):
    if connection.vendor != "postgresql":
        pytest.skip("a true race needs PostgreSQL's row locks")
    import time_machine

    from shangji.org.models import Territory

    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    with time_machine.travel(AFTER_HOURS, tick=False):
        lead = capture(name="钱女士", phone="13800138002", actor=actors.director)
    assert lead.owner is None
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(rep):
        from django.db import connections

        try:
            barrier.wait()
            lead_claim(lead=Lead.objects.get(pk=lead.pk), actor=rep)
            outcomes.append("won")
        except AlreadyClaimed:
            outcomes.append("lost")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(rep,)) for rep in (actors.rep, actors.teammate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "won"]
    lead.refresh_from_db()
    assert lead.owner in (actors.rep, actors.teammate)
    assert LeadAssignment.objects.filter(lead=lead, kind=AssignmentKind.CLAIM).count() == 1
