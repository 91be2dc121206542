"""P2 in a real browser: dragging a card past an unmet gate shows the checklist and blocks the move; once the
needs form is filled and the call summary uploaded, the same drag goes through."""

import pytest

from shangji.conftest import log_in, make_opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COLUMN = '.sj-column:has(.sj-column-head strong:text-is("{}"))'


def drag_to_proposal(tab, deal):
    tab.goto("/opportunities/kanban/")
    tab.locator(f'.sj-card[data-id="{deal.pk}"]').drag_to(tab.locator(COLUMN.format("方案提交") + " .sj-column-body"))
    modal = tab.locator("#gate-modal")
    modal.locator(".sj-gate-checklist").wait_for()
    return modal


def test_a_drag_past_an_unmet_gate_is_blocked_until_the_form_and_the_summary_are_on_file(actors, page):
    deal = make_opportunity(actors.rep, name="需求确认中的商机", stage="需求确认")
    log_in(page, "rep_east_1")

    modal = drag_to_proposal(page, deal)
    text = modal.inner_text()
    assert "缺少：《客户需求清单》（需填写）" in text and "缺少：通话录音纪要（需上传）" in text
    assert not modal.locator("#gate-ok").is_visible()
    modal.locator("#gate-cancel").click()
    page.locator(COLUMN.format("需求确认") + f' .sj-card[data-id="{deal.pk}"]').wait_for()
    deal.refresh_from_db()
    assert deal.stage.name == "需求确认" and deal.stage_changes.count() == 1

    modal = drag_to_proposal(page, deal)
    modal.get_by_role("link", name="去填写").click()
    page.get_by_label("客户业务痛点").fill("质量追溯靠纸质记录")
    page.get_by_label("决策人是否已确认").select_option("是")
    page.get_by_role("button", name="提交").click()
    page.get_by_text("已提交《客户需求清单》").wait_for()

    page.locator("#id_attachment-kind").select_option(label="通话录音纪要")
    page.locator("#id_attachment-file").set_input_files(files=[{
        "name": "通话纪要.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 call summary"}])
    page.get_by_role("button", name="上传").click()
    page.get_by_text("已上传附件").wait_for()

    modal = drag_to_proposal(page, deal)
    assert "通话纪要.pdf" in modal.inner_text() and "《客户需求清单》 张伟" in modal.inner_text()
    assert "缺少" not in modal.locator(".sj-gate-checklist ul").inner_text()
    modal.locator("#gate-ok").click()
    page.locator(COLUMN.format("方案提交") + " .col-count").filter(has_text="1").wait_for()
    deal.refresh_from_db()
    assert deal.stage.name == "方案提交" and deal.stage_changes.count() == 2
