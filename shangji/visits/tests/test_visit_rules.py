"""V2 through the automation platform: the shipped rule "拜访发现高风险信号" turns a high-risk signal in a synced visit
into a to-do for the rep and a notice to their manager; the visit is an entity rules, the tester and the builder
know."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shangji.automation.catalog import fields_for, load_record
from shangji.automation.engine import rule_dry_run
from shangji.automation.models import Rule, RuleRun
from shangji.automation.selectors import builder_catalog
from shangji.automation.services import rule_disable, rule_validate, spec_of
from shangji.conftest import drain_events, make_customer, signed_in
from shangji.core.services import setting_update
from shangji.notify.models import Notification
from shangji.todos.models import Task
from shangji.visits.defaults import RULE_KEYS, install_rules

pytestmark = pytest.mark.django_db
RISKY_NOTES = "门店缺货两周，客户投诉"  # 缺货 (stock_out) and 投诉 (complaint): both high risk in DEFAULT_RULES
CALM_NOTES = "客户反馈新品卖得好，下月准备加单"  # only opportunities (selling_well, new_demand)


def visit_payload(customer, notes: str, **fields) -> dict:
    now = timezone.now()
    return {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded",
            "checked_in_at": (now - timedelta(minutes=40)).isoformat(), "checkin_latitude": "31.230500",
            "checkin_longitude": "121.473800", "pain_keywords": ["交期长"], "committed_action": "周五前送两箱样品",
            "next_follow_up_at": (now + timedelta(days=3)).isoformat(), "notes": notes,
            "device_recorded_at": now.isoformat(), **fields}


def sync(api, user, payload: dict) -> dict:
    response = api(user).post("/api/visits/sync/", {"visits": [payload]}, format="json")
    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    assert result["outcome"] in ("created", "updated"), result
    return result


@pytest.fixture
def customer(actors):
    return make_customer(actors.rep, name="上海联华超市曹杨店", latitude=Decimal("31.230400"),
                         longitude=Decimal("121.473700"), grade="A")


@pytest.fixture
def rule(db):
    return Rule.objects.get(key="visit-high-risk-signal")


def rule_tasks(rule):
    return Task.objects.filter(source=rule.source_tag)


def rule_notices(rule):
    return Notification.objects.filter(source=rule.source_tag)


def test_a_visit_noting_stock_out_and_a_complaint_gives_the_rep_a_to_do_and_tells_the_manager(actors, api, customer,
                                                                                            rule):
    result = sync(api, actors.rep, visit_payload(customer, RISKY_NOTES))
    drain_events()
    task = rule_tasks(rule).get()
    assert task.assignee == actors.rep
    assert task.title == "处理缺货、投诉：上海联华超市曹杨店"
    assert "缺货：门店缺货两周" in task.note and "投诉：客户投诉" in task.note
    assert (task.entity, task.entity_id) == ("customer", customer.pk)  # filed on the customer, where visits are read
    assert abs((task.due_at - (timezone.now() + timedelta(hours=24))).total_seconds()) < 120
    notice = rule_notices(rule).get()
    assert notice.recipient == actors.team_lead
    assert notice.title == "拜访发现高风险信号：上海联华超市曹杨店（缺货、投诉）"
    assert "张伟" in notice.body and "A 级" in notice.body
    assert (notice.entity, notice.entity_id) == ("visit", result["id"])
    assert notice.link == f"/customers/{customer.pk}/"
    run = RuleRun.objects.get(rule=rule, entity_id=result["id"])
    assert run.outcome == "fired" and run.record_label.startswith("上海联华超市曹杨店 ")


def test_the_to_do_is_due_within_the_hours_sales_ops_set(actors, api, customer, rule):
    setting_update(key="visits.high_risk_todo_hours", raw_value="8", actor=actors.sales_ops)
    sync(api, actors.rep, visit_payload(customer, RISKY_NOTES))
    drain_events()
    task = rule_tasks(rule).get()
    assert abs((task.due_at - (timezone.now() + timedelta(hours=8))).total_seconds()) < 120


def test_a_visit_without_a_high_risk_signal_creates_nothing(actors, api, customer, rule):
    result = sync(api, actors.rep, visit_payload(customer, CALM_NOTES))
    drain_events()
    assert not rule_tasks(rule).exists() and not rule_notices(rule).exists()
    assert not Task.objects.filter(assignee=actors.rep).exists()
    assert not Notification.objects.filter(recipient=actors.team_lead).exists()
    assert not RuleRun.objects.filter(rule=rule, entity_id=result["id"], outcome="fired").exists()


def test_a_planned_visit_is_not_a_record_and_fires_nothing_until_it_is_recorded(actors, api, customer, rule):
    payload = visit_payload(customer, RISKY_NOTES, status="planned", planned_on=timezone.localdate().isoformat())
    planned = sync(api, actors.rep, payload)
    drain_events()
    assert not rule_tasks(rule).exists()
    sync(api, actors.rep, {**payload, "status": "recorded", "version": planned["version"]})
    drain_events()
    assert rule_tasks(rule).count() == 1 and rule_notices(rule).count() == 1


def test_editing_a_risky_visit_does_not_fire_again_but_an_edit_that_adds_the_risk_does(actors, api, customer, rule):
    risky = visit_payload(customer, RISKY_NOTES)
    first = sync(api, actors.rep, risky)
    drain_events()
    sync(api, actors.rep, {**risky, "committed_action": "周五前送两箱样品并约店长复盘", "version": first["version"]})
    drain_events()
    assert rule_tasks(rule).count() == 1  # the condition held before the edit: it did not "become" true

    calm = visit_payload(customer, CALM_NOTES)
    second = sync(api, actors.rep, calm)
    drain_events()
    assert rule_tasks(rule).count() == 1
    sync(api, actors.rep, {**calm, "notes": CALM_NOTES + "；但是隔壁门店出现竞品进场", "version": second["version"]})
    drain_events()
    assert rule_tasks(rule).count() == 2
    assert rule_tasks(rule).order_by("-id").first().title == "处理竞品进场：上海联华超市曹杨店"


def test_switching_the_rule_off_stops_it(actors, api, customer, rule):
    rule_disable(rule=rule, actor=actors.sales_ops, reason="测试")
    sync(api, actors.rep, visit_payload(customer, RISKY_NOTES))
    drain_events()
    assert not rule_tasks(rule).exists() and not rule_notices(rule).exists()
    assert not RuleRun.objects.filter(rule=rule).exists()


def test_the_dry_run_explains_the_condition_for_a_visit_and_does_nothing(actors, api, customer, rule):
    result = sync(api, actors.rep, visit_payload(customer, RISKY_NOTES))
    verdict, effects = rule_dry_run(rule=rule, record=load_record("visit", result["id"]))
    assert verdict.ok
    assert verdict.lines[0]["text"] == "有高风险信号 为是：是（实际：是）"
    assert effects == ["创建待办 → 张伟：处理缺货、投诉：上海联华超市曹杨店",
                       "发送通知 → 刘洋：拜访发现高风险信号：上海联华超市曹杨店（缺货、投诉）"]
    calm = sync(api, actors.rep, visit_payload(customer, CALM_NOTES))
    verdict, _effects = rule_dry_run(rule=rule, record=load_record("visit", calm["id"]))
    assert not verdict.ok and verdict.lines[0]["text"] == "有高风险信号 为是：否（实际：否）"
    assert not rule_tasks(rule).exists()  # nothing dispatched, nothing done


def test_the_tester_page_offers_recent_visits_and_answers_for_one(actors, api, customer, rule):
    result = sync(api, actors.rep, visit_payload(customer, RISKY_NOTES))
    client = signed_in(actors.admin)
    detail = client.get(f"/automation/{rule.pk}/").content.decode()
    assert f"#{result['id']} 上海联华超市曹杨店" in detail
    page = client.get(f"/automation/{rule.pk}/try/", {"record": result["id"]}).content.decode()
    assert "会触发：是" in page and "有高风险信号 为是：是" in page
    assert "创建待办 → 张伟：处理缺货、投诉：上海联华超市曹杨店" in page


def test_a_rule_can_read_signal_kinds_as_a_multi_value_field(actors, api, customer):
    result = sync(api, actors.rep, visit_payload(customer, RISKY_NOTES, competitor_price="18.50"))
    catalog = fields_for("visit")
    visit = load_record("visit", result["id"])
    assert catalog["signals"].type == "multi" and set(catalog["signals"].get(visit)) == {"stock_out", "complaint"}
    assert catalog["customer.grade"].get(visit) == "A" and catalog["owner"].get(visit) == actors.rep.pk
    assert catalog["checkin_flag"].get(visit) == "ok" and catalog["checkin_distance_m"].get(visit) < 50
    assert catalog["points"].get(visit) == 10 and catalog["days_since_previous_visit"].get(visit) is None
    assert catalog["record_delay_hours"].get(visit) == pytest.approx(0.7, abs=0.1)  # checked in 40 min ago
    later = sync(api, actors.rep, visit_payload(customer, CALM_NOTES,
                                                checked_in_at=(timezone.now() + timedelta(days=9)).isoformat()))
    assert catalog["days_since_previous_visit"].get(load_record("visit", later["id"])) == 9
    from shangji.automation.conditions import Context, evaluate

    tree = {"match": "all", "items": [{"field": "signals", "op": "contains", "value": "complaint"},
                                      {"field": "customer.grade", "op": "in", "value": ["A", "B"]}]}
    verdict = evaluate(tree, Context(entity="visit", record=visit))
    assert verdict.ok and "信号 包含 投诉：是（实际：缺货、投诉）" in [line["text"] for line in verdict.lines]


def test_the_builder_offers_the_visit_and_its_fields(actors):
    catalog = builder_catalog(entity="visit")
    fields = {field["key"]: field for field in catalog["fields"]}
    assert {"signals", "has_high_risk_signal", "objection", "next_follow_up_at", "visited_at", "record_delay_hours",
            "days_since_previous_visit", "checkin_distance_m", "customer.city"} <= set(fields)
    assert ["stock_out", "缺货"] in fields["signals"]["options"] and "contains" in fields["signals"]["ops"]
    assert "freeze" not in catalog["actions"] and "reassign" not in catalog["actions"]
    page = signed_in(actors.sales_ops).get("/automation/new/?entity=visit").content.decode()
    assert '<option value="visit" selected>拜访</option>' in page


def test_the_shipped_rule_validates_so_sales_ops_can_edit_and_re_enable_it(rule):
    rule_validate(spec_of(rule))
    assert rule.is_enabled and rule.entity == "visit" and rule.trigger == "condition_true"


def test_installing_the_rule_again_keeps_the_one_sales_ops_edited(rule):
    Rule.objects.filter(pk=rule.pk).update(name="高风险拜访（已调整）")
    install_rules(Rule)
    assert Rule.objects.filter(key__in=RULE_KEYS).count() == 1
    assert Rule.objects.get(key="visit-high-risk-signal").name == "高风险拜访（已调整）"
