"""Conditions are data: typed comparisons with a reason for every leaf, settings as thresholds, no eval."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shangji.automation.conditions import ConditionError, Context, evaluate, validate
from shangji.conftest import make_opportunity, stage
from shangji.core.services import setting_update

pytestmark = pytest.mark.django_db


def leaf(field, op, value=None):
    return {"field": field, "op": op, **({"value": value} if value is not None else {})}


def all_of(*items):
    return {"match": "all", "items": list(items)}


def any_of(*items):
    return {"match": "any", "items": list(items)}


@pytest.fixture
def deal(actors):
    return make_opportunity(actors.rep, amount="80000.00", stage="方案提交")


def test_an_amount_above_a_setting_matches_and_the_reason_shows_both_numbers(actors, deal):
    verdict = evaluate(all_of(leaf("amount", "gt", {"setting": "automation.big_deal_amount"})),
                       Context(entity="opportunity", record=deal))
    assert verdict.ok
    assert "金额 大于 50,000.00：是（实际：80,000.00）" in verdict.lines[0]["text"]
    setting_update(key="automation.big_deal_amount", raw_value="100000", actor=actors.sales_ops)
    assert not evaluate(all_of(leaf("amount", "gt", {"setting": "automation.big_deal_amount"})),
                        Context(entity="opportunity", record=deal)).ok


def test_groups_combine_with_all_and_any_and_every_leaf_is_explained(deal):
    tree = all_of(leaf("stage", "eq", str(stage("方案提交").pk)),
                  any_of(leaf("amount", "lt", "1000"), leaf("name", "contains", "MES")))
    verdict = evaluate(tree, Context(entity="opportunity", record=deal))
    assert verdict.ok
    texts = [line["text"] for line in verdict.lines]
    assert texts[0] == "以下全部满足"
    assert any("阶段 等于 方案提交：是" in text for text in texts)
    assert any(text.startswith("金额 小于 1,000.00：否") for text in texts)
    assert any("以下任一满足" == text for text in texts)


def test_changed_to_needs_the_change_and_reads_the_previous_value(deal):
    tree = all_of(leaf("stage", "changed_to", str(stage("方案提交").pk)))
    still = Context(entity="opportunity", record=deal)
    assert not evaluate(tree, still).ok
    moved = Context(entity="opportunity", record=deal, changed={"stage"}, previous={"stage": stage("需求确认").pk})
    verdict = evaluate(tree, moved)
    assert verdict.ok
    assert "由 需求确认 变为 方案提交" in verdict.lines[0]["text"]
    assert evaluate(all_of(leaf("stage", "changed_from", str(stage("需求确认").pk))), moved).ok


def test_relative_dates_compare_with_today_in_the_company_time_zone(deal):
    deal.stage_entered_at = timezone.now() - timedelta(days=31)
    context = Context(entity="opportunity", record=deal)
    assert evaluate(all_of(leaf("stage_entered_at", "days_ago_gte", "30")), context).ok
    assert not evaluate(all_of(leaf("stage_entered_at", "days_ago_lt", "30")), context).ok
    assert evaluate(all_of(leaf("days_in_stage", "gte", "31")), context).ok


def test_values_are_compared_never_executed(deal):
    hostile = "__import__('os').system('touch /tmp/pwned')"
    verdict = evaluate(all_of(leaf("name", "eq", hostile)), Context(entity="opportunity", record=deal))
    assert not verdict.ok
    validate("opportunity", all_of(leaf("name", "eq", hostile)))  # a string like any other


@pytest.mark.parametrize(("tree", "message"), [
    (all_of(leaf("no_such_field", "eq", "1")), "条件引用的字段“no_such_field”不存在或已停用。"),
    (all_of(leaf("amount", "contains", "1")), "字段“金额”不支持比较方式“contains”。"),
    (all_of(leaf("amount", "gt")), "请为条件“金额 大于”填写比较值。"),
    (all_of(leaf("amount", "gt", "很多")), "“很多”不是字段“金额”的有效值。"),
    (all_of(leaf("amount", "gt", {"setting": "no.such"})), "条件引用的设置项“no.such”不存在。"),
    (all_of(leaf("stage_entered_at", "days_ago_gte", "三十")),
     "“进入当前阶段时间 距今已满（天）”需要填写天数（整数）。"),
    ({"match": "maybe", "items": []}, "条件分组只能是“全部满足”或“任一满足”。"),
])
def test_a_tree_that_does_not_fit_the_catalog_is_refused_with_a_chinese_sentence(db, tree, message):
    with pytest.raises(ConditionError) as error:
        validate("opportunity", tree)
    assert str(error.value) == message


def test_an_empty_tree_always_matches(deal):
    assert evaluate({}, Context(entity="opportunity", record=deal)).ok
