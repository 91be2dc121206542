"""The rule builder pages and the API: only sales ops and admins configure; bad rules are refused in Chinese
and nothing is written; the tester answers "would fire: yes/no, because …" on records the tester may see."""

import json

import pytest

from shangji.automation.models import Rule, RuleRun
from shangji.conftest import make_opportunity, signed_in, stage

pytestmark = pytest.mark.django_db

ESCALATION = {
    "name": "方案超时上报（测试）", "description": "", "entity": "opportunity", "trigger": "time_elapsed",
    "start_event": "stage_changed", "delay_value": "72", "delay_setting": "", "delay_unit": "hours",
    "is_enabled": "on", "sequence": "100",
}


def tree(*items):
    return json.dumps({"match": "all", "items": list(items)}, ensure_ascii=False)


@pytest.mark.parametrize(("who", "status"), [("rep", 403), ("team_lead", 403), ("director", 403), ("finance", 403),
                                              ("sales_ops", 200), ("admin", 200)])
def test_only_configuring_roles_open_the_rule_pages(actors, who, status):
    client = signed_in(getattr(actors, who))
    assert client.get("/automation/").status_code == status
    assert client.get("/automation/new/").status_code == status
    assert client.get("/automation/runs/").status_code == status


def test_the_list_shows_the_shipped_rules(actors):
    page = signed_in(actors.sales_ops).get("/automation/").content.decode()
    for name in ("方案提交：通知技术部门并创建评审待办", "方案评审超时：上报部门负责人", "商机停滞预警",
                 "大额定制商机：推送技术与方案协同", "方案提交后未记录客户反馈：提醒负责人"):
        assert name in page


def test_sales_ops_build_a_timed_rule_from_the_form(actors):
    proposal = str(stage("方案提交").pk)
    data = ESCALATION | {
        "start_conditions": tree({"field": "stage", "op": "eq", "value": proposal}),
        "conditions": tree({"field": "open_tasks", "op": "gt", "value": "0"}),
        "actions": json.dumps([{"type": "escalate", "levels": 1, "title": "超时：{name}", "body": ""}]),
    }
    response = signed_in(actors.sales_ops).post("/automation/new/", data)
    rule = Rule.objects.get(name="方案超时上报（测试）")
    assert response.status_code == 302 and response.url == f"/automation/{rule.pk}/"
    assert rule.delay_value == 72 and rule.start_conditions["items"][0]["value"] == proposal
    assert rule.author == actors.sales_ops
    detail = signed_in(actors.sales_ops).get(response.url).content.decode()
    assert "阶段 等于 方案提交" in detail and "逐级上报 1 级" in detail


def test_a_bad_rule_is_refused_with_chinese_messages_and_nothing_is_written(actors):
    before = Rule.objects.count()
    data = ESCALATION | {
        "delay_value": "", "start_conditions": tree({"field": "stage", "op": "changed_to", "value": "1"}),
        "conditions": tree({"field": "ghost", "op": "eq", "value": "1"}), "actions": "[]",
    }
    page = signed_in(actors.sales_ops).post("/automation/new/", data).content.decode()
    assert "请填写等待时长（大于 0 的整数）。" in page
    assert "条件引用的字段“ghost”不存在或已停用。" in page
    assert "请至少添加一个动作。" in page
    assert "不能使用“变为/发生变化”" in page
    assert Rule.objects.count() == before


def test_a_rep_cannot_create_or_toggle_rules(actors):
    rule = Rule.objects.get(key="stagnation-warning")
    client = signed_in(actors.rep)
    assert client.post("/automation/new/", ESCALATION).status_code == 403
    assert client.post(f"/automation/{rule.pk}/toggle/").status_code == 403
    rule.refresh_from_db()
    assert rule.is_enabled


def test_the_tester_says_would_fire_and_why_without_doing_anything(actors):
    deal = make_opportunity(actors.rep, name="测试商机", amount="80000", stage="接触")
    rule = Rule.objects.get(key="stagnation-warning")
    page = signed_in(actors.sales_ops).get(f"/automation/{rule.pk}/try/", {"record": deal.pk}).content.decode()
    assert "会触发：是" in page
    assert "金额 大于 50,000.00：是（实际：80,000.00）" in page
    assert "发送通知 → 张伟、刘洋：商机停滞预警：测试商机" in page
    assert not RuleRun.objects.filter(rule=rule, entity_id=deal.pk, outcome="fired").exists()


def test_toggling_a_rule_off_and_on(actors):
    rule = Rule.objects.get(key="stagnation-warning")
    client = signed_in(actors.sales_ops)
    client.post(f"/automation/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert not rule.is_enabled and "手动停用" in rule.disabled_reason
    client.post(f"/automation/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert rule.is_enabled and rule.disabled_reason == ""


def test_the_api_lists_the_defaults_to_sales_ops_and_refuses_others(actors, api):
    assert api(actors.rep).get("/api/rules/").status_code == 403
    assert api(actors.director).get("/api/rule-runs/").status_code == 403
    body = api(actors.sales_ops).get("/api/rules/").json()
    assert {"proposal-tech-review", "stagnation-warning"} <= {rule["key"] for rule in body["results"]}


def test_the_api_creates_a_rule_and_refuses_a_broken_one(actors, api):
    client = api(actors.admin)
    good = {"name": "大单提醒总监", "entity": "opportunity", "trigger": "created",
            "conditions": {"match": "all", "items": [{"field": "amount", "op": "gte", "value": "1000000"}]},
            "actions": [{"type": "notify", "to": [{"kind": "user", "user": actors.director.pk}],
                         "title": "新大单：{name}"}]}
    response = client.post("/api/rules/", good, format="json")
    assert response.status_code == 201, response.json()
    bad = good | {"actions": [{"type": "run_python", "code": "import os"}]}
    response = client.post("/api/rules/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["actions"] == ["未知的动作类型。"]
    assert Rule.objects.filter(name="大单提醒总监").count() == 1


def test_the_api_tester_and_run_log(actors, api):
    deal = make_opportunity(actors.rep, name="测试商机", amount="80000", stage="接触")
    rule = Rule.objects.get(key="stagnation-warning")
    client = api(actors.sales_ops)
    answer = client.post(f"/api/rules/{rule.pk}/test/", {"record_id": deal.pk}, format="json").json()
    assert answer["would_fire"] is True
    assert any("金额 大于" in line["text"] for line in answer["conditions"])
    assert client.post(f"/api/rules/{rule.pk}/test/", {"record_id": 999999}, format="json").status_code == 404
    assert client.get("/api/rule-runs/", {"outcome": "fired"}).status_code == 200


def test_the_rule_list_and_the_run_log_do_not_query_per_row(actors, django_assert_max_num_queries):
    from django.utils import timezone

    rules = list(Rule.objects.all())
    RuleRun.objects.bulk_create([RuleRun(rule=rules[i % len(rules)], entity="opportunity", entity_id=i,
                                         record_label=f"商机{i}", outcome="fired", ran_at=timezone.now(),
                                         conditions_detail=[{"depth": 0, "ok": True, "text": "金额 大于 0：是"}])
                                 for i in range(60)])
    client = signed_in(actors.sales_ops)
    with django_assert_max_num_queries(12):
        assert client.get("/automation/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/automation/runs/").status_code == 200
