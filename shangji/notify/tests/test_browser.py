"""The notification bell and inbox in a real browser (Playwright driving Debian's chromium)."""

import pytest

from shangji.conftest import log_in, make_opportunity
from shangji.notify.services import notification_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_shows_unread_and_a_click_opens_the_deal_and_marks_it_read(actors, page):
    deal = make_opportunity(actors.rep, name="华东产线升级项目")
    notification_send(recipients=[actors.rep], title="商机停滞提醒：华东产线升级项目", body="已 95 天未推进",
                      link=f"/opportunities/{deal.pk}/")
    notification_send(recipients=[actors.rep], title="新线索分配给您", body="")
    log_in(page, "rep_east_1")
    badge = page.locator("#sj-bell [data-unread]")
    badge.wait_for()  # loaded by htmx after the page
    assert badge.inner_text() == "2"
    page.locator("#sj-bell a").click()
    page.wait_for_url("**/notifications/")
    page.get_by_role("button", name="商机停滞提醒：华东产线升级项目").click()
    page.wait_for_url(f"**/opportunities/{deal.pk}/")
    page.locator("#sj-bell [data-unread='1']").wait_for()
    page.goto("/notifications/")
    page.get_by_role("button", name="全部标为已读").click()
    page.get_by_text("已将 1 条通知标为已读").wait_for()
    page.locator("#sj-bell a[data-badge='0']").wait_for()  # the htmx answer, not the markup before it
    assert page.locator("#sj-bell [data-unread]").count() == 0
