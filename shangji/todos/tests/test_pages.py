import pytest

from shangji.conftest import make_customer, make_opportunity, signed_in
from shangji.core.models import AuditEntry, Event
from shangji.customers.models import CustomerShare
from shangji.org.models import User
from shangji.todos.models import Task
from shangji.todos.services import task_complete, task_create

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def snapshot():
    return (list(Task.objects.values_list("pk", "title", "assignee_id", "due_at", "status", "note")),
            AuditEntry.objects.count(), Event.objects.count())


def test_the_list_shows_my_open_to_dos_by_default_and_the_team_on_request(actors):
    task_create(title="我的回访", assignee=actors.rep, actor=actors.rep)
    finished = task_create(title="我做完的", assignee=actors.rep, actor=actors.rep)
    task_complete(task=finished, actor=actors.rep)
    task_create(title="同事的回访", assignee=actors.teammate, actor=actors.teammate)
    task_create(title="南区的回访", assignee=actors.other_rep, actor=actors.other_rep)

    lead = signed_in(actors.team_lead)
    assert "同事的回访" not in lead.get("/tasks/").content.decode()
    page = lead.get("/tasks/", {"scope": "team"}).content.decode()
    assert "我的回访" in page and "同事的回访" in page and "南区的回访" not in page and "我做完的" not in page
    page = lead.get("/tasks/", {"scope": "team", "status": "all"}).content.decode()
    assert "我做完的" in page
    page = lead.get("/tasks/", {"assignee": actors.teammate.pk}).content.decode()
    assert "同事的回访" in page and "我的回访" not in page

    page = signed_in(actors.rep).get("/tasks/").content.decode()
    assert "我的回访" in page and "我做完的" not in page and "同事的回访" not in page
    page = signed_in(actors.rep).get("/tasks/", {"scope": "team"}).content.decode()
    assert "同事的回访" not in page


def test_the_list_links_visible_records_and_hides_the_names_of_others(actors):
    deal = make_opportunity(actors.rep, name="焊装线改造")
    shared = make_customer(actors.other_rep, name="深圳华强电子有限公司")
    CustomerShare.objects.create(customer=shared, user=actors.rep)
    rep = User.objects.get(pk=actors.rep.pk)
    task_create(title="发报价", assignee=rep, entity="opportunity", entity_id=deal.pk, actor=rep)
    task_create(title="拜访华强", assignee=rep, entity="customer", entity_id=shared.pk, actor=rep)

    page = signed_in(actors.rep).get("/tasks/").content.decode()
    assert f'href="/opportunities/{deal.pk}/">焊装线改造' in page and "深圳华强电子有限公司" in page
    # The team lead sees the rep's to-dos, but the shared customer is not theirs to see.
    page = signed_in(actors.team_lead).get("/tasks/", {"scope": "team"}).content.decode()
    assert "拜访华强" in page and "焊装线改造" in page
    assert "深圳华强电子有限公司" not in page and "客户（无权查看）" in page
    page = signed_in(actors.team_lead).get("/tasks/", {"scope": "team", "entity": "customer"}).content.decode()
    assert "拜访华强" in page and "发报价" not in page


def test_creating_a_to_do_from_a_deal_returns_to_the_deal(actors):
    deal = make_opportunity(actors.rep, name="焊装线改造")
    client = signed_in(actors.rep)
    form = client.get("/tasks/new/", {"entity": "opportunity", "entity_id": deal.pk}).content.decode()
    assert "焊装线改造" in form and 'type="datetime-local"' in form
    assert f'<option value="{actors.rep.pk}" selected>' in form
    response = client.post("/tasks/new/", {"title": "准备技术方案", "assignee": actors.rep.pk,
                                           "due_at": "2030-06-01T18:00", "entity": "opportunity",
                                           "entity_id": deal.pk, "note": "附上案例"})
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{deal.pk}/"
    task = Task.objects.get()
    assert (task.title, task.entity, task.entity_id, task.note) == ("准备技术方案", "opportunity", deal.pk, "附上案例")
    assert task.due_at.isoformat() == "2030-06-01T10:00:00+00:00"  # 18:00 in Shanghai


@pytest.mark.parametrize("fields, words", [
    ({"title": ""}, "请填写待办标题"),
    ({"due_at": "下周五"}, "截止时间格式不正确"),
    ({"due_at": "2030-13-45T25:00"}, "截止时间格式不正确"),
    ({"assignee": "teammate"}, "不能把待办分配给该用户"),
    ({"entity": "customer", "entity_id": "hidden"}, "无权查看"),
])
def test_bad_input_on_the_create_page_is_explained_and_nothing_is_written(actors, fields, words):
    hidden = make_customer(actors.other_rep, name="深圳华强电子有限公司")
    data = {"title": "回访", "assignee": actors.rep.pk, "due_at": "", "note": ""} | fields
    if data["assignee"] == "teammate":
        data["assignee"] = actors.teammate.pk
    if data.get("entity_id") == "hidden":
        data["entity_id"] = hidden.pk
    before = snapshot()
    page = signed_in(actors.rep).post("/tasks/new/", data)
    assert page.status_code == 200 and words in page.content.decode()
    assert "深圳华强电子有限公司" not in page.content.decode()
    assert snapshot() == before


def test_the_create_page_does_not_name_a_hidden_record(actors):
    hidden = make_customer(actors.other_rep, name="深圳华强电子有限公司")
    page = signed_in(actors.rep).get("/tasks/new/", {"entity": "customer", "entity_id": hidden.pk}).content.decode()
    assert "深圳华强电子有限公司" not in page and "（无权查看）" in page


@pytest.mark.parametrize("name, status", [("rep", 200), ("team_lead", 200), ("director", 200), ("teammate", 404),
                                          ("other_manager", 404), ("presales", 404), ("finance", 403)])
def test_who_may_open_the_edit_page_of_a_reps_to_do(actors, name, status):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    client = signed_in(getattr(actors, name))
    assert client.get(f"/tasks/{task.pk}/edit/").status_code == status
    before = snapshot()
    response = client.post(f"/tasks/{task.pk}/edit/", {"title": "改名", "assignee": actors.rep.pk})
    if status == 200:
        assert response.status_code == 302 and Task.objects.get().title == "改名"
    else:
        assert response.status_code == status and snapshot() == before


def test_the_team_lead_reassigns_and_moves_the_due_time_on_the_edit_page(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    client = signed_in(actors.team_lead)
    response = client.post(f"/tasks/{task.pk}/edit/?next=/tasks/%3Fscope%3Dteam",
                           {"title": "回访客户", "assignee": actors.teammate.pk, "due_at": "2030-06-02 09:00"})
    assert response.status_code == 302 and response["Location"] == "/tasks/?scope=team"
    task.refresh_from_db()
    assert (task.title, task.assignee, task.due_at.isoformat()) == ("回访客户", actors.teammate,
                                                                   "2030-06-02T01:00:00+00:00")
    unsafe = client.post(f"/tasks/{task.pk}/edit/?next=https://evil.example/",
                         {"title": "回访客户", "assignee": actors.teammate.pk})
    assert unsafe["Location"] == "/tasks/"


def test_the_creator_can_still_edit_after_the_to_do_went_to_someone_they_do_not_manage(actors):
    task = task_create(title="准备投标文件", assignee=actors.rep, actor=actors.rep)
    from shangji.todos.services import task_update

    task_update(task=task, actor=actors.team_lead, assignee=actors.teammate)
    client = signed_in(actors.rep)
    assert f'<option value="{actors.teammate.pk}" selected>' in client.get(f"/tasks/{task.pk}/edit/").content.decode()
    response = client.post(f"/tasks/{task.pk}/edit/", {"title": "准备投标文件（终版）", "assignee": actors.teammate.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.assignee) == ("准备投标文件（终版）", actors.teammate)


def test_the_htmx_toggle_marks_done_and_back_and_answers_the_row(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    client = signed_in(actors.rep)
    response = client.post(f"/tasks/{task.pk}/status/", {"status": "done", "layout": "row"}, **HTMX)
    row = response.content.decode()
    assert response.status_code == 200 and row.lstrip().startswith(f'<tr id="task-row-{task.pk}"')
    assert 'name="status" value="open"' in row and "text-decoration-line-through" in row
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == actors.rep
    # A second click on the same (stale) button changes nothing.
    client.post(f"/tasks/{task.pk}/status/", {"status": "done", "layout": "row"}, **HTMX)
    assert Event.objects.filter(name="task.completed").count() == 1
    item = client.post(f"/tasks/{task.pk}/status/", {"status": "open", "layout": "item"}, **HTMX).content.decode()
    assert item.lstrip().startswith('<li class="list-group-item') and f'id="task-item-{task.pk}"' in item
    task.refresh_from_db()
    assert task.status == "open"


def test_the_toggle_without_htmx_redirects_back(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    response = signed_in(actors.rep).post(f"/tasks/{task.pk}/status/", {"status": "done", "next": "/tasks/?status=all"})
    assert response.status_code == 302 and response["Location"] == "/tasks/?status=all"
    assert Task.objects.get().status == "done"


@pytest.mark.parametrize("name, status", [("teammate", 404), ("other_rep", 404), ("presales", 404), ("finance", 403)])
def test_a_toggle_by_someone_not_allowed_changes_nothing(actors, name, status):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    before = snapshot()
    response = signed_in(getattr(actors, name)).post(f"/tasks/{task.pk}/status/", {"status": "done"}, **HTMX)
    assert response.status_code == status and snapshot() == before


def test_a_toggle_with_an_unknown_status_is_refused(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    before = snapshot()
    assert signed_in(actors.rep).post(f"/tasks/{task.pk}/status/", {"status": "maybe"}).status_code == 400
    assert snapshot() == before


def test_the_deal_and_customer_pages_load_the_to_do_panel(actors):
    deal = make_opportunity(actors.rep)
    client = signed_in(actors.rep)
    page = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert f'hx-get="/tasks/for/opportunity/{deal.pk}/"' in page
    page = client.get(f"/customers/{deal.customer_id}/").content.decode()
    assert f'hx-get="/tasks/for/customer/{deal.customer_id}/"' in page


def test_the_record_panel_lists_and_adds_to_dos_with_htmx(actors):
    deal = make_opportunity(actors.rep)
    task_create(title="发报价", assignee=actors.rep, entity="opportunity", entity_id=deal.pk, actor=actors.rep)
    task_create(title="别的商机的事", assignee=actors.rep, actor=actors.rep)
    client = signed_in(actors.rep)
    panel = client.get(f"/tasks/for/opportunity/{deal.pk}/", **HTMX).content.decode()
    assert "发报价" in panel and "别的商机的事" not in panel and "添加待办" in panel
    panel = client.post(f"/tasks/for/opportunity/{deal.pk}/", {
        "todo-title": "约技术交流", "todo-assignee": actors.rep.pk, "todo-due_at": "2030-06-01T10:00"}, **HTMX)
    assert panel.status_code == 200
    assert panel.content.decode().lstrip().startswith('<div class="card mb-3" id="record-tasks">')
    assert "约技术交流" in panel.content.decode()
    created = Task.objects.get(title="约技术交流")
    assert (created.entity, created.entity_id, created.created_by) == ("opportunity", deal.pk, actors.rep)


def test_the_record_panel_explains_bad_input_and_writes_nothing(actors):
    deal = make_opportunity(actors.rep)
    before = snapshot()
    client = signed_in(actors.rep)
    panel = client.post(f"/tasks/for/opportunity/{deal.pk}/", {"todo-title": "", "todo-assignee": actors.rep.pk},
                        **HTMX).content.decode()
    assert "请填写待办标题" in panel
    panel = client.post(f"/tasks/for/opportunity/{deal.pk}/", {"todo-title": "回访", "todo-assignee": actors.rep.pk,
                                                               "todo-due_at": "明天"}, **HTMX).content.decode()
    assert "截止时间格式不正确" in panel
    assert snapshot() == before


@pytest.mark.parametrize("name", ["teammate", "other_rep", "other_manager", "presales"])
def test_the_record_panel_refuses_records_the_user_cannot_see(actors, name):
    deal = make_opportunity(actors.rep, name="焊装线改造")
    task_create(title="发报价", assignee=actors.rep, entity="opportunity", entity_id=deal.pk, actor=actors.rep)
    client = signed_in(getattr(actors, name))
    before = snapshot()
    assert client.get(f"/tasks/for/opportunity/{deal.pk}/", **HTMX).status_code == 404
    assert client.get(f"/tasks/for/customer/{deal.customer_id}/", **HTMX).status_code == 404
    assert client.post(f"/tasks/for/opportunity/{deal.pk}/", {"todo-title": "偷看", "todo-assignee": getattr(
        actors, name).pk}, **HTMX).status_code == 404
    assert client.get("/tasks/for/invoice/1/").status_code == 404
    assert snapshot() == before


def test_the_home_page_card_counts_my_open_and_overdue_to_dos(actors):
    from datetime import timedelta

    from django.utils import timezone

    task_create(title="早该做的事", assignee=actors.rep, due_at=timezone.now() - timedelta(days=3), actor=actors.rep)
    task_create(title="下周的事", assignee=actors.rep, due_at=timezone.now() + timedelta(days=7), actor=actors.rep)
    task_create(title="同事的事", assignee=actors.teammate, actor=actors.teammate)
    page = signed_in(actors.rep).get("/").content.decode()
    card = page[page.index('id="my-tasks"'):]
    assert "我的待办" in card and "早该做的事" in card and "下周的事" in card and "同事的事" not in card
    assert card.index("早该做的事") < card.index("下周的事")
    assert '已逾期 <strong class="fs-5">1</strong>' in card and '未完成 <strong class="fs-5">2</strong>' in card
    assert "已逾期 3 天" in card


@pytest.mark.parametrize("viewer", ["rep", "team_lead", "director"])
def test_the_list_page_stays_within_its_query_budget(actors, viewer, django_assert_max_num_queries):
    def add(count):
        for n in range(count):
            deal = make_opportunity(actors.rep, name=f"商机{n}")
            task_create(title=f"商机待办{n}", assignee=actors.rep, entity="opportunity", entity_id=deal.pk,
                        actor=actors.rep)
            task_create(title=f"客户待办{n}", assignee=actors.rep, entity="customer", entity_id=deal.customer_id,
                        actor=actors.rep, due_at=deal.created_at)

    client = signed_in(getattr(actors, viewer))
    add(2)
    with django_assert_max_num_queries(11):
        assert client.get("/tasks/", {"scope": "team"}).status_code == 200
    add(10)
    with django_assert_max_num_queries(11):
        page = client.get("/tasks/", {"scope": "team"}).content.decode()
    assert page.count('id="task-row-') == 24
