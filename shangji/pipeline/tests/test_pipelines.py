"""P3 segment pipelines: which pipeline a deal gets, skips and regressions in its own order, changing
pipeline, and the kanban per pipeline (with counters that stay exact)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from shangji.conftest import make_customer, make_opportunity, satisfy_gates, signed_in, stage
from shangji.pipeline.models import Opportunity, Pipeline, PipelineTotal, StageChange
from shangji.pipeline.pipelines import pipeline_stages
from shangji.pipeline.selectors import _aggregate, kanban_columns, opportunity_list
from shangji.pipeline.services import opportunity_move, opportunity_update

pytestmark = pytest.mark.django_db


def pipeline(name):
    return Pipeline.objects.get(name=name)


def last_change(deal):
    return StageChange.objects.filter(opportunity=deal).order_by("id").last()


@pytest.mark.parametrize("scale, amount, stage_name, expected", [
    ("large", "500000", None, "大客户流程"),
    ("large", "15000", None, "小额快速"),  # a small purchase takes the fast path even for a large account
    ("medium", "20000", None, "小额快速"),  # the cap is inclusive
    ("medium", "20000.01", None, "标准流程"),
    ("", "300000", None, "标准流程"),
    ("small", "5000", "谈判", "标准流程"),  # 小额快速 has no 谈判: the deal cannot start there
    ("large", "800000", "技术对接", "大客户流程"),
])
def test_a_new_deal_takes_the_first_matching_pipeline_by_priority(actors, scale, amount, stage_name, expected):
    customer = make_customer(actors.rep, name="苏州工业园区精工制造有限公司", scale=scale)
    deal = make_opportunity(actors.rep, customer, amount=amount, stage=stage_name)
    assert deal.pipeline.name == expected
    assert deal.stage.name == (stage_name or "线索")


def test_pipeline_rows_decide_the_choice_and_inactive_pipelines_are_skipped(actors):
    customer = make_customer(actors.rep, name="苏州工业园区精工制造有限公司", scale="large")
    Pipeline.objects.filter(name="小额快速").update(is_active=False)
    assert make_opportunity(actors.rep, customer, amount="15000").pipeline.name == "大客户流程"
    Pipeline.objects.filter(name="大客户流程").update(customer_scales=["medium"])
    assert make_opportunity(actors.rep, customer, amount="15000").pipeline.name == "标准流程"


def test_a_chosen_pipeline_must_hold_the_stage(actors):
    with pytest.raises(ValidationError, match="不在销售流程“小额快速”中"):
        make_opportunity(actors.rep, stage="需求确认", pipeline="小额快速")
    assert make_opportunity(actors.rep, stage="接触", pipeline="小额快速").pipeline.name == "小额快速"


def test_a_large_customer_deal_going_from_needs_to_proposal_skips_technical_alignment(actors, no_gates):
    customer = make_customer(actors.rep, name="苏州工业园区精工制造有限公司", scale="large")
    deal = make_opportunity(actors.rep, customer, amount="900000", stage="需求确认")
    assert [s.name for s in pipeline_stages(deal.pipeline)][2:5] == ["需求确认", "技术对接", "方案提交"]
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    assert last_change(deal).is_skip and not last_change(deal).is_regression
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("技术对接"))
    assert last_change(deal).is_regression and not last_change(deal).is_skip


def test_a_fast_deal_going_from_contact_to_proposal_skips_nothing(actors, no_gates):
    deal = make_opportunity(actors.rep, amount="8000", stage="接触")
    assert deal.pipeline.name == "小额快速"
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    change = last_change(deal)
    assert not change.is_skip and not change.is_regression
    standard = make_opportunity(actors.rep, amount="80000", stage="接触")
    standard = opportunity_move(opportunity=standard, actor=actors.rep, to_stage=stage("方案提交"))
    assert last_change(standard).is_skip


def test_the_fast_path_has_no_needs_confirmation_gate_to_pass(actors):
    deal = make_opportunity(actors.rep, amount="8000", stage="接触")
    deal = opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    assert deal.stage.name == "方案提交"


def test_technical_alignment_exit_needs_the_solution_document(actors):
    customer = make_customer(actors.rep, name="苏州工业园区精工制造有限公司", scale="large")
    deal = make_opportunity(actors.rep, customer, amount="900000", stage="技术对接")
    from shangji.pipeline.gates import GateNotMet

    with pytest.raises(GateNotMet) as blocked:
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    assert blocked.value.missing == ["缺少：技术方案（需上传）"]
    deal = satisfy_gates(deal)
    assert opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交")).stage.name == "方案提交"


def test_a_stage_outside_the_deals_pipeline_is_refused(actors):
    deal = make_opportunity(actors.rep, amount="8000", stage="接触")
    with pytest.raises(ValidationError, match="不在该商机的销售流程“小额快速”中"):
        opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("谈判"))
    assert StageChange.objects.filter(opportunity=deal).count() == 1


def test_changing_the_pipeline_on_edit_needs_the_stage_in_the_new_one_and_moves_the_counters(actors):
    deal = make_opportunity(actors.rep, amount="120000", stage="需求确认")
    with pytest.raises(ValidationError, match="当前阶段“需求确认”不在销售流程“小额快速”中"):
        opportunity_update(opportunity=deal, actor=actors.rep, pipeline=pipeline("小额快速"))
    deal.refresh_from_db()
    deal = opportunity_update(opportunity=deal, actor=actors.rep, pipeline=pipeline("大客户流程"))
    deal.refresh_from_db()
    assert deal.pipeline.name == "大客户流程"
    counters = {(row.pipeline.name, row.stage.name): row.count for row in PipelineTotal.objects.filter(count__gt=0)}
    assert counters == {("大客户流程", "需求确认"): 1}
    from shangji.core.models import AuditEntry

    audit = AuditEntry.objects.get(entity="opportunity", entity_id=deal.pk, field="pipeline", action="updated")
    assert (audit.old_value, audit.new_value) == ("标准流程", "大客户流程")


def test_the_pipeline_can_be_changed_through_the_api(actors, api):
    deal = make_opportunity(actors.rep, amount="120000", stage="接触")
    response = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/", {"pipeline": pipeline("小额快速").pk},
                                     format="json")
    assert response.status_code == 200 and response.json()["pipeline_name"] == "小额快速"
    refused = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/", {"stage": stage("谈判").pk}, format="json")
    assert refused.status_code == 400 and "小额快速" in refused.json()["message"]


def test_the_kanban_shows_the_default_pipeline_first_and_the_chosen_pipelines_columns(actors):
    large = make_customer(actors.rep, name="苏州工业园区精工制造有限公司", scale="large")
    make_opportunity(actors.rep, large, amount="900000", stage="技术对接", name="大客户商机")
    make_opportunity(actors.rep, amount="120000", stage="需求确认", name="标准商机")
    client = signed_in(actors.rep)
    page = client.get("/opportunities/kanban/").content.decode()
    assert page.index("标准流程") < page.index("小额快速") < page.index("大客户流程")
    assert "标准商机" in page and "大客户商机" not in page and ">技术对接<" not in page
    page = client.get("/opportunities/kanban/", {"pipeline": pipeline("大客户流程").pk}).content.decode()
    assert "大客户商机" in page and "标准商机" not in page and ">技术对接<" in page
    page = client.get("/opportunities/kanban/", {"pipeline": pipeline("小额快速").pk}).content.decode()
    assert ">需求确认<" not in page and ">方案提交<" in page


def test_kanban_counters_per_pipeline_equal_the_live_aggregate(actors, no_gates):
    large = make_customer(actors.rep, name="苏州工业园区精工制造有限公司", scale="large")
    deals = [make_opportunity(actors.rep, large, amount="900000", stage="需求确认"),
             make_opportunity(actors.rep, amount="120000", stage="需求确认"),
             make_opportunity(actors.teammate, amount="5000", stage="接触"),
             make_opportunity(actors.other_rep, amount="300000", stage="线索")]
    opportunity_move(opportunity=deals[0], actor=actors.rep, to_stage=stage("技术对接"))
    opportunity_update(opportunity=Opportunity.objects.get(pk=deals[2].pk), actor=actors.teammate,
                       pipeline=pipeline("标准流程"), amount="7000")
    for name in ("rep", "team_lead", "director", "other_rep"):
        user = getattr(actors, name)
        for chosen in Pipeline.objects.all():
            visible = opportunity_list(user=user).filter(pipeline=chosen)
            live = {s: (row["n"], row["total"]) for s, row in _aggregate(visible).items()}
            columns = kanban_columns(user=user, queryset=visible, filters={"pipeline": chosen})
            assert [c.stage.pk for c in columns] == [s.pk for s in pipeline_stages(chosen)]
            counted = {c.stage.pk: (c.count, c.total) for c in columns if c.count}
            assert counted == live, (name, chosen.name)
    # The small deal moved to 标准流程 with its counter: nothing is left counted under 小额快速.
    fast = PipelineTotal.objects.filter(pipeline=pipeline("小额快速")).aggregate(n=Sum("count"), total=Sum("amount"))
    assert (fast["n"], fast["total"]) == (0, Decimal("0"))


def test_the_deal_pages_let_the_rep_pick_or_change_the_pipeline(actors):
    customer = make_customer(actors.rep, name="嘉兴南湖智能装备有限公司", scale="large")
    client = signed_in(actors.rep)
    assert "自动（按客户规模与金额）" in client.get(f"/opportunities/new/?customer={customer.pk}").content.decode()
    client.post("/opportunities/new/", {"customer": customer.pk, "name": "自动选择", "amount": "880000",
                                        "stage": stage("线索").pk})
    client.post("/opportunities/new/", {"customer": customer.pk, "name": "指定标准", "amount": "880000",
                                        "stage": stage("线索").pk, "pipeline": pipeline("标准流程").pk})
    assert dict(Opportunity.objects.values_list("name", "pipeline__name")) == {"自动选择": "大客户流程",
                                                                               "指定标准": "标准流程"}
    deal = Opportunity.objects.get(name="指定标准")
    page = client.post(f"/opportunities/{deal.pk}/edit/", {
        "version": deal.version, "name": deal.name, "amount": "880000",
        "pipeline": pipeline("小额快速").pk}).content.decode()
    assert page.count("当前阶段“线索”") == 0  # 线索 is in 小额快速: the change goes through
    deal.refresh_from_db()
    assert deal.pipeline.name == "小额快速"
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("接触"))
    deal.refresh_from_db()
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("方案提交"))
    deal.refresh_from_db()
    page = client.post(f"/opportunities/{deal.pk}/edit/", {
        "version": deal.version, "name": deal.name, "amount": "880000",
        "pipeline": pipeline("大客户流程").pk}).content.decode()
    assert "当前阶段“方案提交”不在销售流程“大客户流程”中" not in page  # 方案提交 is in 大客户流程 too
    deal.refresh_from_db()
    assert deal.pipeline.name == "大客户流程"
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("技术对接"))  # a regression: not gated
    deal.refresh_from_db()
    page = client.post(f"/opportunities/{deal.pk}/edit/", {
        "version": deal.version, "name": deal.name, "amount": "880000",
        "pipeline": pipeline("标准流程").pk}).content.decode()
    assert "当前阶段“技术对接”不在销售流程“标准流程”中" in page
    deal.refresh_from_db()
    assert deal.pipeline.name == "大客户流程"
