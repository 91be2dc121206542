"""The main journey in a real browser, in Chinese: Playwright driving Debian's chromium."""


import pytest

from shangji.conftest import log_in, make_customer, make_opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_sees_the_existing_customer_then_moves_own_deal_and_sees_the_history(actors, page):
    make_customer(actors.other_rep, name="深圳市华强电子有限公司")
    deal = make_opportunity(actors.rep, name="华东产线升级项目", stage="接触")

    log_in(page, "rep_east_1")
    page.get_by_role("link", name="新建客户").first.click()
    page.get_by_label("客户名称").press_sequentially("华强电子（深圳）有限公司", delay=20)
    warning = page.locator("#match-results")
    warning.wait_for()
    assert "深圳市华强电子有限公司" in warning.inner_text()
    assert "李娜" in warning.locator(".match-owner").first.inner_text()
    assert "无权查看" in warning.inner_text()

    page.get_by_role("link", name="商机", exact=True).click()
    page.get_by_role("link", name="华东产线升级项目").click()
    page.get_by_label("新阶段").select_option(label="需求确认")
    page.get_by_role("button", name="更新阶段").click()
    page.get_by_text("阶段已更新为“需求确认”").wait_for()
    assert page.locator("#current-stage").inner_text() == "需求确认"
    history = page.locator("#stage-history li")
    assert history.count() == 2
    assert "接触 → 需求确认" in history.nth(1).inner_text()
    deal.refresh_from_db()
    assert deal.stage.name == "需求确认"


def test_a_phone_sized_screen_gets_the_collapsed_menu(actors, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    log_in(page, "rep_east_1")
    assert page.get_by_label("菜单").is_visible()
    page.get_by_label("菜单").click()
    page.get_by_role("link", name="客户", exact=True).click()
    page.wait_for_url("**/customers/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    context.close()


def test_dragging_a_card_on_the_kanban_moves_the_deal_and_updates_the_sums(actors, page):
    deal = make_opportunity(actors.rep, name="看板拖拽商机", stage="接触", amount="50000")
    log_in(page, "rep_east_1")
    page.goto("/opportunities/kanban/")
    card = page.locator(f'.sj-card[data-id="{deal.pk}"]')
    target = page.locator('.sj-column:has(.sj-column-head strong:text-is("需求确认")) .sj-column-body')
    card.drag_to(target)
    target_sum = page.locator('.sj-column:has(.sj-column-head strong:text-is("需求确认")) .col-sum')
    target_sum.filter(has_text="50,000.00").wait_for()
    deal.refresh_from_db()
    assert deal.stage.name == "需求确认" and deal.stage_changes.count() == 2
