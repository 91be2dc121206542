"""Take the README screenshots from a running demo (`make demo`), with Debian's chromium.

    .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def log_in(page, username: str) -> None:
    page.goto(f"{BASE}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("shangji-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{BASE}/")


def stage_id(page, name: str) -> str:
    """The id of a stage, read from the list filter's options."""
    page.goto(f"{BASE}/opportunities/")
    return page.locator("select[name=stage] option", has_text=name).first.get_attribute("value")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        desktop = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        page = desktop.new_page()
        log_in(page, "manager_east")
        page.screenshot(path=OUT / "home.png")
        page.goto(f"{BASE}/opportunities/kanban/")
        page.screenshot(path=OUT / "kanban.png")
        page.goto(f"{BASE}/opportunities/?is_open=true")
        page.locator("table tbody tr a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "opportunity.png", full_page=False)
        page.goto(f"{BASE}/customers/?grade=A")
        page.locator("table tbody tr a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "customer.png")
        known = page.locator("h1").first.inner_text().split()[0]
        page.goto(f"{BASE}/customers/new/")
        # How a rep in another office retypes a known company: other legal form, city in brackets.
        variant = known.replace("有限公司", "股份有限公司") if "股份" not in known else known.replace("股份", "")
        page.get_by_label("客户名称").press_sequentially(variant, delay=30)
        page.locator("#match-results").wait_for()
        page.screenshot(path=OUT / "customer-create.png")
        page.goto(f"{BASE}/notifications/")
        page.screenshot(path=OUT / "inbox.png")
        ops = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
        log_in(ops, "ops_1")
        ops.goto(f"{BASE}/automation/")
        ops.get_by_role("link", name="商机停滞预警").click()
        ops.locator("form[hx-get] button").click()
        ops.locator("#try-result .fw-semibold").first.wait_for()
        ops.screenshot(path=OUT / "rule.png")
        ops.get_by_role("link", name="编辑").click()
        ops.locator("#conditions-builder select").first.wait_for()
        ops.screenshot(path=OUT / "rule-builder.png", full_page=True)
        rep = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
        log_in(rep, "rep_east_1")
        rep.goto(f"{BASE}/tasks/?status=all")
        rep.screenshot(path=OUT / "todos.png")
        rep.goto(f"{BASE}/opportunities/?stage=" + stage_id(rep, "需求确认"))
        rep.locator("table tbody tr a").first.click()
        rep.wait_for_load_state()
        rep.get_by_label("新阶段").select_option(label="方案提交")
        rep.locator("#gate-checklist *").first.wait_for()
        rep.screenshot(path=OUT / "gate.png")
        rep.goto(f"{BASE}/leads/")
        rep.screenshot(path=OUT / "leads.png")
        rep.locator("table tbody tr a").first.click()
        rep.wait_for_load_state()
        rep.screenshot(path=OUT / "lead.png", full_page=True)
        marketing = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
        log_in(marketing, "marketing_1")
        marketing.goto(f"{BASE}/campaigns/")
        marketing.locator("table tbody tr a").first.click()
        marketing.wait_for_load_state()
        marketing.screenshot(path=OUT / "campaign.png")
        form_url = marketing.locator("#campaign-link").input_value()
        page.goto(f"{BASE}/leads/report/")
        page.screenshot(path=OUT / "lead-report.png", full_page=True)
        ops.goto(f"{BASE}/settings/routing/")
        ops.screenshot(path=OUT / "routing.png")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    locale="zh-CN")
        page = phone.new_page()
        log_in(page, "rep_east_1")
        page.goto(f"{BASE}/opportunities/")
        page.screenshot(path=OUT / "phone.png")
        page.goto(f"{BASE}/visits/points/")
        page.screenshot(path=OUT / "visit-points-phone.png", full_page=True)
        field = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    locale="zh-CN", geolocation={"latitude": 31.2304, "longitude": 121.4737},
                                    permissions=["geolocation"]).new_page()
        log_in(field, "rep_east_1")
        field.goto(f"{BASE}/visits/")
        field.locator("#plan-list > li").first.wait_for()
        field.get_by_role("button", name="按路线排序").click()
        field.locator("#route-chart canvas").wait_for()
        field.screenshot(path=OUT / "visit-plan-phone.png", full_page=True)
        field.locator("#plan-list > li").first.locator("[data-action=record]").click()
        field.locator("#objection").select_option(index=1)
        field.locator("#objection-panel li").first.wait_for()
        field.locator("#objection-panel").scroll_into_view_if_needed()
        field.screenshot(path=OUT / "visit-form-phone.png")
        manager = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
        log_in(manager, "manager_east")
        manager.goto(f"{BASE}/visits/team/")
        manager.locator("#team-chart canvas").wait_for()
        manager.screenshot(path=OUT / "visit-manager.png", full_page=True)
        rep.goto(f"{BASE}/visits/brief/")
        rep.get_by_role("button", name="立即生成本周简报").click()
        rep.wait_for_load_state()
        rep.screenshot(path=OUT / "visit-brief.png", full_page=True)
        ops.goto(f"{BASE}/settings/visits/signals/")
        ops.screenshot(path=OUT / "visit-signals.png")
        visitor = phone.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                            locale="zh-CN").new_page()
        visitor.goto(form_url)
        visitor.screenshot(path=OUT / "lead-form-phone.png", full_page=True)
        browser.close()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
