"""Overdue and due-today are computed against the clock, in the company's time zone (Asia/Shanghai)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shangji.conftest import signed_in
from shangji.todos import selectors
from shangji.todos.services import task_complete, task_create

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 6, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def rep_tasks(actors):
    with time_machine.travel(at(1, 8), tick=False):
        evening = task_create(title="今晚发方案", assignee=actors.rep, due_at=at(1, 18), actor=actors.rep)
        tomorrow = task_create(title="明早回访", assignee=actors.rep, due_at=at(2, 9), actor=actors.rep)
        task_create(title="没有截止时间", assignee=actors.rep, actor=actors.rep)
        done = task_create(title="已做完", assignee=actors.rep, due_at=at(1, 7), actor=actors.rep)
        task_complete(task=done, actor=actors.rep)
    return evening, tomorrow


def test_a_task_is_due_today_until_its_time_then_overdue(actors, rep_tasks):
    evening, _ = rep_tasks
    with time_machine.travel(at(1, 17), tick=False):
        assert not evening.is_overdue
        assert selectors.task_counts(user=actors.rep) == selectors.TaskCounts(open=3, overdue=0, due_today=1)
    with time_machine.travel(at(1, 18, 1), tick=False):
        assert evening.is_overdue
        assert selectors.task_counts(user=actors.rep) == selectors.TaskCounts(open=3, overdue=1, due_today=0)


def test_due_today_follows_the_shanghai_calendar_not_utc(actors, rep_tasks):
    # 2030-06-02 01:00 in Shanghai is still 06-01 in UTC: the 09:00 task is due *today*.
    with time_machine.travel(at(2, 1), tick=False):
        counts = selectors.task_counts(user=actors.rep)
    assert (counts.overdue, counts.due_today) == (1, 1)


def test_done_tasks_are_never_overdue(actors, rep_tasks):
    with time_machine.travel(at(20, 12), tick=False):
        assert selectors.task_counts(user=actors.rep).overdue == 2
        page = signed_in(actors.rep).get("/tasks/", {"status": "done"}).content.decode()
    assert "已做完" in page and "sj-task-overdue" not in page


def test_the_list_shows_hours_then_days_overdue_and_today_in_amber(actors, rep_tasks):
    def page_at(moment):
        with time_machine.travel(moment, tick=False):  # sign in at that time: the session must not expire
            return signed_in(actors.rep).get("/tasks/").content.decode()

    page = page_at(at(1, 12))
    assert "今天 18:00 到期" in page and "text-bg-warning" in page and "sj-task-overdue" not in page
    page = page_at(at(1, 21, 30))
    assert "已逾期 3 小时" in page and "text-bg-danger" in page
    page = page_at(at(4, 9, 30))
    assert "已逾期 2 天" in page and "已逾期 0 天" not in page


def test_the_overdue_filter_and_the_api_flag_move_with_the_clock(actors, api, rep_tasks):
    evening, tomorrow = rep_tasks
    with time_machine.travel(at(1, 20), tick=False):
        rows = api(actors.rep).get("/api/tasks/", {"overdue": "true"}).json()["results"]
        assert [(row["id"], row["is_overdue"]) for row in rows] == [(evening.pk, True)]
        flags = {row["id"]: row["is_overdue"] for row in api(actors.rep).get("/api/tasks/").json()["results"]}
        assert flags[evening.pk] is True and flags[tomorrow.pk] is False
    with time_machine.travel(at(2, 10), tick=False):
        rows = api(actors.rep).get("/api/tasks/", {"overdue": "true"}).json()["results"]
        assert {row["id"] for row in rows} == {evening.pk, tomorrow.pk}


def test_the_due_range_filter_uses_whole_days_in_shanghai(actors, api, rep_tasks):
    evening, tomorrow = rep_tasks
    rows = api(actors.rep).get("/api/tasks/", {"due_from": "2030-06-02", "due_to": "2030-06-02"}).json()["results"]
    assert [row["id"] for row in rows] == [tomorrow.pk]
    rows = api(actors.rep).get("/api/tasks/", {"due_to": "2030-06-01"}).json()["results"]
    assert [row["id"] for row in rows] == [evening.pk]
