"""The lead report counts exactly the leads the viewer may see: funnel steps, contact and conversion rates,
median and p90 times, SLA met and campaign costs, per source, campaign, rep and team."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from shangji.conftest import log_in, signed_in
from shangji.customers.models import Industry
from shangji.leads.choices import Source
from shangji.leads.conversion import lead_convert
from shangji.leads.report import ReportFilters, lead_breakdowns, lead_funnel, percentile
from shangji.leads.services import LeadInput, campaign_create, lead_assign_to, lead_capture, lead_touch
from shangji.org.models import Territory
from shangji.pipeline.models import Opportunity, Stage

T0 = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai: reps on shift
PERIOD = ReportFilters(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
PERIOD_QUERY = "?period=custom&start=2026-11-01&end=2026-11-30"
MINUTE, DAY = 60.0, 86400.0


def _at(moment, call):
    with time_machine.travel(moment, tick=False):
        return call()


def _capture(campaign, *, name, phone, company, source=Source.FORM, owner=None, actor=None):
    data = LeadInput(name=name, phone=phone, company=company, city="上海")
    return _at(T0, lambda: lead_capture(source=source, campaign=campaign, data=data, owner=owner, actor=actor)[0])


@pytest.fixture
def leads(actors):
    """Five leads captured at T0:
    1 展会/rep: contacted after 10 min (SLA met), converted after 1 day, deal won
    2 展会/rep: contacted after 30 min, converted after 3 days
    3 展会/teammate: contacted after 60 min
    4 官网/teammate: never contacted
    5 manual by other_rep (深圳一组): contacted after 5 min (SLA met)"""
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    fair = campaign_create(actor=actors.marketing, name="上海工业展", cost="1200.00",
                           industry=Industry.objects.get(name="制造业"))
    web = campaign_create(actor=actors.marketing, name="官网留资")
    plan = [(fair, actors.rep, 10, 1), (fair, actors.rep, 30, 3), (fair, actors.teammate, 60, None),
            (web, actors.teammate, None, None)]
    made = []
    for number, (campaign, owner, contact_minutes, convert_days) in enumerate(plan, start=1):
        lead = _capture(campaign, name=f"客户{number}", phone=f"1390000000{number}",
                        company=f"第{number}号精工有限公司")
        _at(T0, lambda lead=lead, owner=owner: lead_assign_to(lead=lead, actor=actors.sales_ops, owner=owner))
        if contact_minutes is not None:
            _at(T0 + dt.timedelta(minutes=contact_minutes),
                lambda lead=lead, owner=owner: lead_touch(lead=lead, actor=owner))
        if convert_days is not None:
            _at(T0 + dt.timedelta(days=convert_days), lambda lead=lead, owner=owner: lead_convert(
                lead=lead, actor=owner, duplicate_override_reason="测试数据"))
        made.append(lead)
    manual = _capture(None, name="客户5", phone="13900000005", company="深南贸易有限公司", source=Source.MANUAL,
                      owner=actors.other_rep, actor=actors.other_rep)
    _at(T0 + dt.timedelta(minutes=5), lambda: lead_touch(lead=manual, actor=actors.other_rep))
    made.append(manual)
    Opportunity.objects.filter(pk=made[0].opportunity_id).update(stage=Stage.objects.filter(is_won=True).first())
    return made


def _row(rows, label):
    return next(row for row in rows if row.label == label)


def test_the_funnel_counts_each_step_for_the_whole_company(actors, leads):
    steps = lead_funnel(user=actors.director, filters=PERIOD)
    assert [(s.label, s.count) for s in steps] == [("线索", 5), ("已分配", 5), ("已联系", 4), ("已转化", 2),
                                                   ("赢单", 1)]
    assert steps[0].share_of_previous is None and steps[2].share_of_previous == pytest.approx(80.0)


def test_rates_medians_p90_and_sla_by_source(actors, leads):
    form = _row(lead_breakdowns(user=actors.director, filters=PERIOD)["source"], "扫码表单")
    assert (form.leads, form.contacted, form.converted) == (4, 3, 2)
    assert form.contacted_pct == pytest.approx(75.0) and form.converted_pct == pytest.approx(50.0)
    assert form.contact_median == pytest.approx(30 * MINUTE)
    assert form.contact_p90 == pytest.approx(60 * MINUTE)
    assert form.conversion_median == pytest.approx(2 * DAY)  # the mean of 1 and 3 days: an even count
    assert (form.sla_met, form.sla_due) == (1, 4) and form.sla_met_pct == pytest.approx(25.0)
    manual = _row(lead_breakdowns(user=actors.director, filters=PERIOD)["source"], "手工录入")
    assert manual.leads == 1 and manual.contact_median == pytest.approx(5 * MINUTE) and manual.sla_met_pct == 100.0
    assert manual.conversion_median is None


def test_campaign_rows_show_cost_per_lead_and_per_conversion_only_with_a_cost(actors, leads):
    tables = lead_breakdowns(user=actors.director, filters=PERIOD)
    fair, web = _row(tables["campaign"], "上海工业展"), _row(tables["campaign"], "官网留资")
    assert fair.cost_per_lead == Decimal("400.00") and fair.cost_per_conversion == Decimal("600.00")
    assert web.cost_per_lead is None and web.cost_per_conversion is None and web.contact_median is None
    assert _row(tables["campaign"], "无市场活动").leads == 1


def test_rep_and_team_tables_split_the_same_leads(actors, leads):
    tables = lead_breakdowns(user=actors.director, filters=PERIOD)
    assert {(r.label, r.leads, r.converted) for r in tables["owner"]} == {("张伟", 2, 2), ("王芳", 2, 0),
                                                                         ("李娜", 1, 0)}
    assert {(r.label, r.leads) for r in tables["team"]} == {("上海一组", 4), ("深圳一组", 1)}
    zhang = _row(tables["owner"], "张伟")
    assert zhang.contact_median == pytest.approx(20 * MINUTE) and zhang.sla_met_pct == pytest.approx(50.0)


def test_a_reps_report_counts_only_their_own_leads(actors, leads):
    steps = lead_funnel(user=actors.rep, filters=PERIOD)
    assert [s.count for s in steps] == [2, 2, 2, 2, 1]
    tables = lead_breakdowns(user=actors.rep, filters=PERIOD)
    assert [(r.label, r.leads) for r in tables["owner"]] == [("张伟", 2)]
    assert [s.count for s in lead_funnel(user=actors.other_manager, filters=PERIOD)][:1] == [1]


def test_filters_narrow_by_source_team_and_period(actors, leads):
    manual = lead_funnel(user=actors.director, filters=ReportFilters(start=PERIOD.start, end=PERIOD.end,
                                                                      source=Source.MANUAL))
    assert manual[0].count == 1
    south = lead_funnel(user=actors.director, filters=ReportFilters(
        start=PERIOD.start, end=PERIOD.end, unit_id=actors.south.pk))
    assert south[0].count == 1
    assert lead_funnel(user=actors.director, filters=ReportFilters(start=dt.date(2026, 11, 18),
                                                                   end=dt.date(2026, 11, 30))) == []


def test_a_lead_still_inside_its_sla_window_is_not_counted_as_missed(actors, leads):
    later = T0 + dt.timedelta(days=7)
    data = LeadInput(name="客户6", phone="13900000006", company="新来有限公司", city="上海")
    _at(later, lambda: lead_capture(source=Source.FORM, campaign=None, data=data))
    with time_machine.travel(later + dt.timedelta(minutes=3), tick=False):
        form = _row(lead_breakdowns(user=actors.director, filters=PERIOD)["source"], "扫码表单")
    assert form.leads == 5 and (form.sla_met, form.sla_due) == (1, 4)  # the new one is neither met nor missed
    with time_machine.travel(later + dt.timedelta(minutes=16), tick=False):
        form = _row(lead_breakdowns(user=actors.director, filters=PERIOD)["source"], "扫码表单")
    assert (form.sla_met, form.sla_due) == (1, 5)


def test_percentile_is_nearest_rank():
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5.0], 0.9) == 5.0 and percentile([], 0.9) is None


def test_the_page_shows_the_funnel_and_tables_within_its_query_budget(actors, leads,
                                                                      django_assert_max_num_queries):
    client = signed_in(actors.director)
    client.get(reverse("lead_report:index") + PERIOD_QUERY)  # warm the settings cache and session
    with django_assert_max_num_queries(10):
        response = client.get(reverse("lead_report:index") + PERIOD_QUERY)
    html = response.content.decode()
    assert response.status_code == 200
    assert "funnel-chart" in html and "vendor/echarts/echarts.min.js" in html
    for title in ("按来源", "按市场活动", "按负责人", "按团队", "¥400.00", "¥600.00", "30 分钟", "2.0 天"):
        assert title in html
    assert "暂无数据" not in html


def test_the_query_count_does_not_grow_with_the_leads(actors, leads, django_assert_max_num_queries):
    client = signed_in(actors.director)
    client.get(reverse("lead_report:index") + PERIOD_QUERY)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(reverse("lead_report:index") + PERIOD_QUERY)
    for number in range(6, 12):
        _capture(None, name=f"客户{number}", phone=f"139000000{number:02d}", company=f"第{number}号有限公司")
    with django_assert_max_num_queries(len(before)):
        client.get(reverse("lead_report:index") + PERIOD_QUERY)


def test_without_leads_the_page_says_no_data_instead_of_zeros(actors, leads):
    response = signed_in(actors.presales).get(reverse("lead_report:index") + PERIOD_QUERY)
    html = response.content.decode()
    assert response.status_code == 200 and "暂无数据" in html and "funnel-chart" not in html


def test_a_reps_page_shows_only_their_numbers(actors, leads):
    html = signed_in(actors.rep).get(reverse("lead_report:index") + PERIOD_QUERY).content.decode()
    assert "张伟" in html and "王芳" not in html and "李娜" not in html


def test_bad_custom_dates_are_refused_in_chinese(actors, leads):
    url = reverse("lead_report:index") + "?period=custom&start=2026-11-30&end=2026-11-01"
    html = signed_in(actors.director).get(url).content.decode()
    assert "结束日期不能早于开始日期。" in html
    html = signed_in(actors.director).get(reverse("lead_report:index") + "?period=custom&start=abc").content.decode()
    assert "开始日期格式不正确" in html and "自定义期间请填写结束日期。" in html


def test_anonymous_visitors_are_sent_to_log_in(db):
    from django.test import Client

    response = Client().get(reverse("lead_report:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_report_draws_the_funnel_in_a_browser(actors, leads, page):
    log_in(page, "manager_east")
    page.goto(reverse("lead_report:index") + PERIOD_QUERY)
    page.locator("#funnel-chart canvas").wait_for()
    assert "上海工业展" in page.locator("#report-campaign").inner_text()
    if os.environ.get("SHANGJI_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SHANGJI_SCREENSHOTS"], "lead-report.png"), full_page=True)
