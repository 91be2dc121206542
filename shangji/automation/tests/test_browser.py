"""The automation journey in a real browser: sales ops build the 72 h escalation rule with drop-downs, a rep moves
a deal to 方案提交, the clock moves on, the worker's sweep fires, and the team lead finds it in the inbox."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shangji.automation.models import Rule
from shangji.conftest import log_in, make_opportunity
from shangji.core.timers import timers_fire_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sales_ops_build_the_escalation_rule_and_the_manager_gets_the_escalation(actors, no_gates, page, browser,
                                                                                 live_server):
    Rule.objects.filter(key="proposal-escalation").update(is_enabled=False)  # ours replaces the shipped one
    deal = make_opportunity(actors.rep, name="华东 MES 三期", stage="需求确认", amount="30000")

    log_in(page, "ops_1")
    page.goto("/automation/")
    page.get_by_role("link", name="新建规则").click()
    page.get_by_label("规则名称").fill("方案三天未处理上报主管")
    page.get_by_label("触发").select_option(label="事件发生一段时间后")
    page.get_by_label("计时起点").select_option(label="阶段变更")
    page.get_by_label("等待时长").fill("72")
    page.get_by_label("单位").select_option(label="小时")
    start = page.locator("#start-conditions-builder")
    start.get_by_role("button", name="+ 条件", exact=True).click()
    start.get_by_label("字段").select_option(label="阶段")
    start.get_by_label("比较").select_option(label="等于")
    start.get_by_label("值").select_option(label="方案提交")
    actions = page.locator("#actions-builder")
    actions.get_by_role("button", name="+ 动作").click()
    actions.get_by_label("动作").select_option(label="逐级上报")
    actions.get_by_label("标题").fill("方案三天未处理：{name}")
    page.get_by_role("button", name="保存规则").click()
    page.get_by_text("已创建规则“方案三天未处理上报主管”。").wait_for()
    assert "阶段 等于 方案提交" in page.locator("dl").inner_text()
    rule = Rule.objects.get(name="方案三天未处理上报主管")
    assert rule.delay_value == 72 and rule.actions[0]["type"] == "escalate"

    rep_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    rep = rep_context.new_page()
    log_in(rep, "rep_east_1")
    rep.goto(f"/opportunities/{deal.pk}/")
    rep.get_by_label("新阶段").select_option(label="方案提交")
    rep.get_by_role("button", name="更新阶段").click()
    rep.get_by_text("阶段已更新为“方案提交”").wait_for()
    rep_context.close()

    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert timers_fire_due() >= 1
    lead_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    lead = lead_context.new_page()
    log_in(lead, "lead_east_1")
    lead.goto("/notifications/")
    lead.get_by_text("方案三天未处理：华东 MES 三期").wait_for()
    lead_context.close()
