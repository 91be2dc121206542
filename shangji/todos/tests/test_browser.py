"""The to-do journey in a real browser: add one on a deal's panel, tick it off on the list, in place (htmx)."""

import os

import pytest

from shangji.conftest import log_in, make_opportunity
from shangji.todos.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SHANGJI_SCREENSHOTS")  # a directory: keep screenshots for a look


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_rep_adds_a_to_do_on_the_deal_and_ticks_it_off_on_the_list(actors, page):
    deal = make_opportunity(actors.rep, name="华东产线升级项目")
    log_in(page, "rep_east_1")

    page.goto(f"/opportunities/{deal.pk}/")
    panel = page.locator("#record-tasks")
    panel.get_by_text("还没有待办。").wait_for()
    panel.get_by_label("添加待办").fill("准备技术交流材料")
    panel.get_by_label("截止时间").fill("2020-01-01T09:00")
    panel.get_by_role("button", name="添加").click()
    panel.get_by_text("准备技术交流材料").wait_for()
    assert "已逾期" in panel.inner_text()
    assert page.url.endswith(f"/opportunities/{deal.pk}/")  # the panel re-rendered in place
    shot(page, "deal-panel")

    page.goto("/")
    assert "准备技术交流材料" in page.locator("#my-tasks").inner_text()
    shot(page, "home")

    page.goto("/tasks/")
    row = page.locator("#task-table tbody tr", has_text="准备技术交流材料")
    assert "华东产线升级项目" in row.inner_text()
    shot(page, "list")
    row.get_by_role("button", name="标记为已完成").click()
    page.locator("#task-table tbody tr .text-decoration-line-through", has_text="准备技术交流材料").wait_for()
    assert page.url.endswith("/tasks/")
    assert Task.objects.get().status == "done"
    page.locator("#task-table").get_by_role("button", name="标记为未完成").click()
    page.locator("#task-table").get_by_role("button", name="标记为已完成").wait_for()
    assert Task.objects.get().status == "open"

    page.locator("#task-table").get_by_role("link", name="准备技术交流材料").click()
    page.get_by_label("标题").fill("准备技术交流材料（含案例）")
    shot(page, "edit")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/tasks/")
    assert Task.objects.get().title == "准备技术交流材料（含案例）"
