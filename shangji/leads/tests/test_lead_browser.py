"""A rep's journey in a real browser (desktop): from the queue to the lead, recording the first touch."""

from __future__ import annotations

import pytest

from shangji.conftest import log_in
from shangji.leads.choices import LeadStatus
from shangji.leads.tests.test_lead_pages import capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_opens_a_new_lead_from_the_queue_and_records_the_first_call(actors, page):
    lead = capture(name="黄先生", phone="13800138001", owner=actors.rep, company="上海精工机械有限公司",
                   industry="制造业", budget="50-100", need="想升级ERP，与MES对接")
    log_in(page, actors.rep.username)
    page.goto("/leads/")
    row = page.locator(f"#lead-row-{lead.pk}")
    assert "待联系" in row.inner_text() or "超时" in row.inner_text()
    row.get_by_role("link", name="黄先生").click()
    page.wait_for_url(f"**/leads/{lead.pk}/")
    assert "合计" in page.locator("#score-explanation").inner_text()
    page.locator("#touch-form select[name=kind]").select_option(label="电话")
    page.locator("#touch-form textarea[name=note]").fill("电话沟通，约下周三上门演示")
    page.get_by_role("button", name="记录跟进").click()
    page.wait_for_load_state()
    assert page.get_by_text("已记录跟进。").is_visible()
    assert page.get_by_text("电话沟通，约下周三上门演示").is_visible()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.first_contact_at is not None
    page.goto("/leads/")
    assert "分钟" in page.locator(f"#lead-row-{lead.pk}").inner_text()  # the time to first contact
