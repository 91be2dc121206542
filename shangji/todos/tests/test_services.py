from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shangji.conftest import make_customer, make_opportunity
from shangji.core.models import AuditEntry, Event
from shangji.customers.models import CustomerShare
from shangji.org.models import User
from shangji.todos import selectors
from shangji.todos.models import Task
from shangji.todos.services import task_complete, task_create, task_reopen, task_update

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def snapshot():
    """Everything a to-do write could leave behind."""
    return (list(Task.objects.values_list("pk", "title", "assignee_id", "due_at", "status", "done_at", "note")),
            AuditEntry.objects.count(), Event.objects.count())


def test_a_rep_creates_a_to_do_for_a_visible_deal_with_audit_and_event(actors):
    deal = make_opportunity(actors.rep)
    due = datetime(2030, 6, 1, 18, 0, tzinfo=SHANGHAI)
    task = task_create(title="  给客户发报价  ", assignee=actors.rep, due_at=due, entity="opportunity",
                       entity_id=deal.pk, actor=actors.rep)
    task.refresh_from_db()
    assert (task.title, task.status, task.created_by, task.source, task.due_at) == (
        "给客户发报价", "open", actors.rep, "manual", due)
    event = Event.objects.get(name="task.created")
    assert event.payload == {"assignee": actors.rep.pk, "entity": "opportunity", "entity_id": deal.pk,
                             "source": "manual", "due_at": due.isoformat()}
    assert event.entity == "task" and event.entity_id == task.pk and event.actor == actors.rep
    audited = set(AuditEntry.objects.filter(entity="task", entity_id=task.pk).values_list("action", "field"))
    assert audited == {("created", "assignee_id"), ("created", "due_at")}


def test_automation_creates_to_dos_for_anyone_without_a_creator(actors):
    deal = make_opportunity(actors.other_rep)
    task = task_create(title="方案提交后跟进", assignee=actors.other_rep, entity="opportunity", entity_id=deal.pk,
                       source="rule:7")
    assert task.created_by is None and task.source == "rule:7"
    assert Event.objects.get(name="task.created").payload["source"] == "rule:7"


def test_a_naive_due_time_is_read_in_the_company_time_zone(actors):
    task = task_create(title="回访", assignee=actors.rep, due_at=datetime(2030, 6, 1, 9, 30), actor=actors.rep)
    assert task.due_at == datetime(2030, 6, 1, 9, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("fields, field, words", [
    ({"title": "   "}, "title", "请填写待办标题"),
    ({"title": "长" * 201}, "title", "过长"),
    ({"due_at": "明天下午"}, "due_at", "截止时间格式不正确"),
    ({"entity": "opportunity"}, "entity_id", "请指定关联的记录"),
    ({"entity": "invoice", "entity_id": 1}, "entity", "不支持的关联类型"),
    ({"entity_id": 5}, "entity", "请选择关联记录的类型"),
    ({"note": "字" * 5001}, "note", "备注过长"),
])
def test_bad_input_is_refused_in_chinese_and_writes_nothing(actors, fields, field, words):
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        task_create(**({"title": "回访", "assignee": actors.rep, "actor": actors.rep} | fields))
    assert words in error.value.message_dict[field][0]
    assert snapshot() == before


@pytest.mark.parametrize("actor, assignee, allowed", [
    ("rep", "rep", True), ("rep", "teammate", False), ("rep", "team_lead", False),
    ("team_lead", "rep", True), ("team_lead", "other_rep", False), ("regional_manager", "teammate", True),
    ("other_manager", "rep", False), ("director", "other_rep", True), ("presales", "rep", False),
    ("sales_ops", "rep", True),
])
def test_people_assign_to_dos_only_within_their_scope(actors, actor, assignee, allowed):
    create = lambda: task_create(title="回访", assignee=getattr(actors, assignee), actor=getattr(actors, actor))  # noqa: E731
    if allowed:
        assert create().assignee == getattr(actors, assignee)
    else:
        with pytest.raises(ValidationError, match="管辖范围"):
            create()
        assert not Task.objects.exists()


def test_an_inactive_user_cannot_be_given_a_to_do(actors):
    actors.teammate.is_active = False
    actors.teammate.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="已停用"):
        task_create(title="回访", assignee=actors.teammate, actor=actors.team_lead)
    assert not Task.objects.exists()


def test_a_to_do_cannot_link_a_record_the_creator_cannot_see(actors):
    hidden = make_customer(actors.other_rep, name="深圳华强电子有限公司")
    with pytest.raises(ValidationError, match="无权查看"):
        task_create(title="拜访", assignee=actors.rep, entity="customer", entity_id=hidden.pk, actor=actors.rep)
    with pytest.raises(ValidationError, match="不存在"):
        task_create(title="拜访", assignee=actors.rep, entity="customer", entity_id=999999)
    assert not Task.objects.exists()
    CustomerShare.objects.create(customer=hidden, user=actors.rep)
    rep = User.objects.get(pk=actors.rep.pk)  # a new request: the share is part of the rep's scope now
    assert task_create(title="拜访", assignee=rep, entity="customer", entity_id=hidden.pk,
                       actor=rep).entity_id == hidden.pk


def test_completing_and_reopening_leave_audit_rows_and_events_once(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    task = task_complete(task=task, actor=actors.rep)
    assert (task.status, task.done_by) == ("done", actors.rep) and task.done_at is not None
    task_complete(task=task, actor=actors.rep)  # a double click
    assert Event.objects.filter(name="task.completed").count() == 1
    task = task_reopen(task=task, actor=actors.team_lead)
    task.refresh_from_db()
    assert (task.status, task.done_at, task.done_by) == ("open", None, None)
    rows = list(AuditEntry.objects.filter(entity="task", field="status").order_by("id")
                .values_list("action", "old_value", "new_value", "actor_id"))
    assert rows == [("completed", "open", "done", actors.rep.pk), ("reopened", "done", "open", actors.team_lead.pk)]
    assert Event.objects.filter(name="task.reopened").get().payload["assignee"] == actors.rep.pk


def test_updates_audit_assignee_and_due_changes_and_skip_no_ops(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.team_lead)
    due = datetime(2030, 7, 1, 10, 0, tzinfo=SHANGHAI)
    task = task_update(task=task, actor=actors.team_lead, assignee=actors.teammate, due_at=due, note="带样品")
    assert (task.assignee, task.due_at, task.note) == (actors.teammate, due, "带样品")
    changed = dict(AuditEntry.objects.filter(entity="task", action="updated").values_list("field", "new_value"))
    assert changed == {"assignee_id": str(actors.teammate.pk), "due_at": str(due)}
    event = Event.objects.get(name="task.updated")
    assert event.payload["changed"] == ["assignee_id", "due_at", "note"]
    assert event.payload["previous"]["assignee_id"] == actors.rep.pk and event.payload["assignee"] == actors.teammate.pk
    before = snapshot()
    task_update(task=task, actor=actors.team_lead, title="回访", assignee=actors.teammate)
    assert snapshot() == before
    task_update(task=task, actor=actors.team_lead, due_at=None)
    task.refresh_from_db()
    assert task.due_at is None


def test_reassigning_outside_the_actors_scope_is_refused_and_changes_nothing(actors):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    before = snapshot()
    with pytest.raises(ValidationError, match="管辖范围"):
        task_update(task=task, actor=actors.rep, assignee=actors.teammate, title="改了标题")
    assert snapshot() == before


@pytest.mark.parametrize("name, allowed", [
    ("rep", True), ("teammate", False), ("other_rep", False), ("team_lead", True), ("regional_manager", True),
    ("other_manager", False), ("director", True), ("presales", False), ("finance", False), ("sales_ops", True),
    ("admin", True),
])
def test_who_may_change_a_reps_to_do(actors, name, allowed):
    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    actor = getattr(actors, name)
    assert selectors.task_can_change(user=actor, task=task) is allowed
    before = snapshot()
    if allowed:
        assert task_complete(task=task, actor=actor).status == "done"
    else:
        with pytest.raises(PermissionDenied):
            task_complete(task=task, actor=actor)
        with pytest.raises(PermissionDenied):
            task_update(task=task, actor=actor, title="别人的待办")
        assert snapshot() == before


def test_the_creator_keeps_seeing_and_changing_a_to_do_handed_to_someone_outside_their_scope(actors):
    task = task_create(title="准备投标文件", assignee=actors.rep, actor=actors.team_lead)
    task_update(task=task, actor=actors.director, assignee=actors.other_rep)
    assert selectors.task_list(user=actors.team_lead).filter(pk=task.pk).exists()
    assert not selectors.task_list(user=actors.rep).filter(pk=task.pk).exists()
    assert task_complete(task=task, actor=actors.team_lead).done_by == actors.team_lead
    # Finance sees every to-do but only changes the ones it created or holds.
    own = task_create(title="核对发票", assignee=actors.rep, actor=actors.finance)
    assert selectors.task_can_change(user=actors.finance, task=own)
    assert not selectors.task_can_change(user=actors.finance, task=task)


@pytest.mark.parametrize("name, sees", [
    ("rep", True), ("teammate", False), ("other_rep", False), ("team_lead", True), ("regional_manager", True),
    ("other_manager", False), ("director", True), ("presales", False), ("finance", True), ("sales_ops", True),
    ("admin", True), ("anonymous", False),
])
def test_who_sees_a_reps_to_do(actors, name, sees):
    from django.contrib.auth.models import AnonymousUser

    task = task_create(title="回访", assignee=actors.rep, actor=actors.rep)
    viewer = actors.all()[name] or AnonymousUser()
    assert selectors.task_list(user=viewer).filter(pk=task.pk).exists() is sees
