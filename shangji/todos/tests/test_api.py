import pytest

from shangji.conftest import make_customer, make_opportunity
from shangji.core.models import AuditEntry, Event
from shangji.todos.models import Task
from shangji.todos.services import task_complete, task_create

pytestmark = pytest.mark.django_db


def snapshot():
    return (list(Task.objects.values_list("pk", "title", "assignee_id", "due_at", "status", "note", "entity_id")),
            AuditEntry.objects.count(), Event.objects.count())


def test_a_rep_creates_a_to_do_on_a_deal_through_the_api(actors, api):
    deal = make_opportunity(actors.rep)
    response = api(actors.rep).post("/api/tasks/", {"title": "发报价", "due_at": "2030-06-01T18:00:00",
                                                    "entity": "opportunity", "entity_id": deal.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["assignee"], body["assignee_name"], body["status"], body["is_overdue"]) == (
        actors.rep.pk, "张伟", "open", False)
    assert (body["entity"], body["entity_id"], body["source"], body["created_by"]) == (
        "opportunity", deal.pk, "manual", actors.rep.pk)
    assert body["due_at"] == "2030-06-01T18:00:00+08:00"


def test_the_list_defaults_to_my_open_to_dos_and_filters_like_the_page(actors, api):
    mine = task_create(title="我的", assignee=actors.rep, actor=actors.rep)
    done = task_create(title="做完的", assignee=actors.rep, actor=actors.rep)
    task_complete(task=done, actor=actors.rep)
    teammates = task_create(title="同事的", assignee=actors.teammate, actor=actors.teammate)
    lead = api(actors.team_lead)
    assert lead.get("/api/tasks/").json()["results"] == []
    ids = [row["id"] for row in lead.get("/api/tasks/", {"scope": "team"}).json()["results"]]
    assert sorted(ids) == sorted([mine.pk, teammates.pk])
    ids = [row["id"] for row in lead.get("/api/tasks/", {"scope": "team", "status": "all"}).json()["results"]]
    assert sorted(ids) == sorted([mine.pk, done.pk, teammates.pk])
    ids = [row["id"] for row in lead.get("/api/tasks/", {"assignee": actors.teammate.pk}).json()["results"]]
    assert ids == [teammates.pk]
    assert [row["id"] for row in api(actors.rep).get("/api/tasks/").json()["results"]] == [mine.pk]


def test_bad_filters_are_a_clear_error(actors, api):
    response = api(actors.rep).get("/api/tasks/", {"assignee": actors.other_rep.pk})
    assert response.status_code == 400 and "assignee" in response.json()["fields"]
    response = api(actors.rep).get("/api/tasks/", {"due_from": "昨天"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


@pytest.mark.parametrize("name, status", [
    ("rep", 200), ("teammate", 404), ("other_rep", 404), ("team_lead", 200), ("regional_manager", 200),
    ("other_manager", 404), ("director", 200), ("presales", 404), ("finance", 200), ("sales_ops", 200),
    ("admin", 200), ("anonymous", 401),
])
def test_who_may_read_a_reps_to_do(actors, api, name, status):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    task_complete(task=task, actor=actors.rep)  # a done to-do is still found by id
    response = api(actors.all()[name]).get(f"/api/tasks/{task.pk}/")
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "not_found" and response.json()["message"]


@pytest.mark.parametrize("name, status", [("teammate", 404), ("other_rep", 404), ("other_manager", 404),
                                          ("presales", 404), ("finance", 403)])
def test_writes_by_someone_not_allowed_change_nothing(actors, api, name, status):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    client = api(getattr(actors, name))
    before = snapshot()
    for response in (client.post(f"/api/tasks/{task.pk}/complete/"), client.post(f"/api/tasks/{task.pk}/reopen/"),
                     client.patch(f"/api/tasks/{task.pk}/", {"title": "改掉"}, format="json")):
        assert response.status_code == status
        assert response.json()["code"] in {"not_found", "permission_denied"} and response.json()["message"]
    assert snapshot() == before


def test_complete_and_reopen_through_the_api(actors, api):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    body = api(actors.team_lead).post(f"/api/tasks/{task.pk}/complete/").json()
    assert (body["status"], body["done_by"], body["is_overdue"]) == ("done", actors.team_lead.pk, False)
    body = api(actors.rep).post(f"/api/tasks/{task.pk}/reopen/").json()
    assert (body["status"], body["done_at"], body["done_by"]) == ("open", None, None)


def test_the_team_lead_reassigns_and_clears_the_due_date_with_patch(actors, api):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    response = api(actors.team_lead).patch(f"/api/tasks/{task.pk}/", {
        "assignee": actors.teammate.pk, "due_at": None, "note": "带上样品"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["assignee"], response.json()["assignee_name"], response.json()["note"]) == (
        actors.teammate.pk, "王芳", "带上样品")
    assert AuditEntry.objects.filter(entity="task", action="updated", field="assignee_id").exists()


@pytest.mark.parametrize("payload, field", [
    ({"title": ""}, "title"),
    ({"title": "长" * 201}, "title"),
    ({"due_at": "下周五下午"}, "due_at"),
    ({"due_at": "2030-02-30T10:00:00"}, "due_at"),
    ({"assignee": "teammate"}, "assignee"),
    ({"assignee": 999999}, "assignee"),
    ({"entity": "customer", "entity_id": "hidden"}, "entity_id"),
    ({"entity": "invoice", "entity_id": 1}, "entity"),
    ({"entity": "opportunity"}, "entity_id"),
])
def test_bad_input_on_create_is_a_chinese_error_and_writes_nothing(actors, api, payload, field):
    hidden = make_customer(actors.other_rep, name="深圳华强电子有限公司")
    body = {"title": "回访"} | payload
    if body.get("assignee") == "teammate":
        body["assignee"] = actors.teammate.pk
    if body.get("entity_id") == "hidden":
        body["entity_id"] = hidden.pk
    before = snapshot()
    response = api(actors.rep).post("/api/tasks/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid" and field in error["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error["message"]
    assert snapshot() == before


@pytest.mark.parametrize("payload, field", [
    ({"title": "   "}, "title"),
    ({"due_at": "garbage"}, "due_at"),
    ({"assignee": "teammate"}, "assignee"),
    ({"entity": "customer"}, "entity"),
])
def test_bad_input_on_patch_writes_nothing(actors, api, payload, field):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    if payload.get("assignee") == "teammate":
        payload = {"assignee": actors.teammate.pk}
    before = snapshot()
    response = api(actors.rep).patch(f"/api/tasks/{task.pk}/", payload, format="json")
    assert response.status_code == 400 and field in response.json()["fields"], response.json()
    assert snapshot() == before


@pytest.mark.parametrize("viewer", ["rep", "team_lead", "director"])
def test_the_api_list_stays_within_its_query_budget(actors, api, viewer, django_assert_max_num_queries):
    client = api(getattr(actors, viewer))

    def add(count):
        for n in range(count):
            task_create(title=f"待办{n}", assignee=actors.rep, actor=actors.rep)

    add(2)
    with django_assert_max_num_queries(5):
        assert client.get("/api/tasks/", {"scope": "team"}).status_code == 200
    add(20)
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/tasks/", {"scope": "team"}).json()["results"]) == 22


def test_the_openapi_schema_documents_the_task_endpoints(actors, api):
    schema = api(actors.rep).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"/api/tasks/", "/api/tasks/{id}/", "/api/tasks/{id}/complete/", "/api/tasks/{id}/reopen/"} <= set(paths)
    assert "is_overdue" in schema["components"]["schemas"]["Task"]["properties"]
