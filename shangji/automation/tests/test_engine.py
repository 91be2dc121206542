"""The engine end to end in-process: events and timers run rules, defaults do what SPEC A1/P2/P5/P6 say,
redelivery is harmless, loops stop, broken rules switch themselves off and tell their author."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shangji.automation.choices import RunOutcome, Trigger
from shangji.automation.models import Rule, RuleRun
from shangji.automation.services import RuleSpec, rule_create
from shangji.conftest import drain_events, make_opportunity, move_deal
from shangji.core import events
from shangji.core.models import CustomField, Event, Timer, TimerStatus
from shangji.core.services import setting_update
from shangji.core.timers import timers_fire_due
from shangji.customers.services import interaction_record
from shangji.notify.models import Notification
from shangji.pipeline.services import opportunity_update
from shangji.todos.models import Task
from shangji.todos.services import task_complete

pytestmark = pytest.mark.django_db


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_moving_a_deal_to_proposal_notifies_presales_and_creates_their_review_to_do(actors, deal):
    move_deal(deal, "方案提交", actors.rep)
    drain_events()
    assert "商机“华东 MES 二期”已进入方案提交，请评审方案" in inbox(actors.presales)
    task = Task.objects.get(assignee=actors.presales, entity="opportunity", entity_id=deal.pk)
    assert task.title == "评审方案：华东 MES 二期"
    assert task.source == f"rule:{Rule.objects.get(key='proposal-tech-review').pk}"
    assert timedelta(hours=71) < task.due_at - timezone.now() <= timedelta(hours=72)
    run = RuleRun.objects.get(rule__key="proposal-tech-review", entity_id=deal.pk)
    assert run.outcome == RunOutcome.FIRED
    assert "阶段 变为 方案提交：是（实际：由 需求确认 变为 方案提交）" in run.conditions_detail[0]["text"]
    assert [item["ok"] for item in run.actions_detail] == [True, True]


def test_an_event_delivered_twice_runs_each_rule_once(actors, deal):
    move_deal(deal, "方案提交", actors.rep)
    drain_events()
    Event.objects.update(dispatched_at=None)  # as if the worker died before marking them
    drain_events()
    assert Task.objects.filter(assignee=actors.presales).count() == 1
    assert inbox(actors.presales).count("商机“华东 MES 二期”已进入方案提交，请评审方案") == 1


def test_an_unhandled_review_escalates_to_the_department_head_after_the_configured_hours(actors, deal):
    move_deal(deal, "方案提交", actors.rep)
    drain_events()
    timer = Timer.objects.get(key__startswith=f"rule:{Rule.objects.get(key='proposal-escalation').pk}:")
    assert timer.status == TimerStatus.PENDING
    with time_machine.travel(timezone.now() + timedelta(hours=71)):
        timers_fire_due()
    assert not any("超时" in title for title in inbox(actors.team_lead))
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        timers_fire_due()
    assert "方案评审超时未处理：华东 MES 二期" in inbox(actors.team_lead)
    assert "方案评审超时未处理：华东 MES 二期" not in inbox(actors.regional_manager)


def test_a_handled_review_does_not_escalate(actors, deal):
    move_deal(deal, "方案提交", actors.rep)
    drain_events()
    task_complete(task=Task.objects.get(assignee=actors.presales), actor=actors.presales)
    drain_events()
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        timers_fire_due()
    assert not any("超时" in title for title in inbox(actors.team_lead))
    run = RuleRun.objects.filter(rule__key="proposal-escalation").latest("id")
    assert run.outcome == RunOutcome.NOT_MATCHED
    assert "未完成待办数 大于 0：否" in run.conditions_detail[-1]["text"]


def test_leaving_the_stage_cancels_the_clock_and_the_delay_is_a_setting(actors, deal):
    setting_update(key="automation.proposal_escalation_hours", raw_value="5", actor=actors.sales_ops)
    move_deal(deal, "方案提交", actors.rep)
    drain_events()
    rule = Rule.objects.get(key="proposal-escalation")
    timer = Timer.objects.get(key__startswith=f"rule:{rule.pk}:", status=TimerStatus.PENDING)
    assert timedelta(hours=4) < timer.due_at - timezone.now() <= timedelta(hours=5)
    move_deal(deal, "谈判", actors.rep)
    drain_events()
    timer.refresh_from_db()
    assert timer.status == TimerStatus.CANCELLED
    assert timer.note == "计时条件已不成立"


def test_the_feedback_reminder_goes_to_the_owner_only_when_no_feedback_was_recorded(actors, deal):
    move_deal(deal, "方案提交", actors.rep)
    drain_events()
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        timers_fire_due()
    assert "请记录客户对方案的反馈：华东 MES 二期" in inbox(actors.rep)

    other = make_opportunity(actors.teammate, name="苏州 WMS", stage="需求确认", amount="30000")
    move_deal(other, "方案提交", actors.teammate)
    interaction_record(customer=other.customer, actor=actors.teammate, kind="feedback", summary="客户认可方案")
    drain_events()
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        timers_fire_due()
    assert "请记录客户对方案的反馈：苏州 WMS" not in inbox(actors.teammate)


def test_a_big_customized_deal_pushes_collaboration_to_presales_and_the_owner_once(actors, deal):
    opportunity_update(opportunity=deal, actor=actors.rep, amount="80000")
    drain_events()
    assert not Task.objects.filter(title__startswith="技术协同").exists()  # no customization request yet
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, actor=actors.rep, custom={"customization": True})
    drain_events()
    assert Task.objects.get(title="技术协同：华东 MES 二期").assignee == actors.presales
    assert Task.objects.get(title="方案协同：华东 MES 二期").assignee == actors.rep
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, actor=actors.rep, amount="90000")  # still true: does not fire again
    drain_events()
    assert Task.objects.filter(title="技术协同：华东 MES 二期").count() == 1


def test_a_big_deal_without_progress_warns_the_owner_and_the_manager(actors):
    make_opportunity(actors.rep, name="宁波 ERP", amount="200000", stage="接触")
    make_opportunity(actors.rep, name="小单", amount="20000", stage="接触")
    drain_events()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        timers_fire_due()
    assert "商机停滞预警：宁波 ERP" in inbox(actors.rep)
    assert "商机停滞预警：宁波 ERP" in inbox(actors.team_lead)
    assert "商机停滞预警：小单" not in inbox(actors.rep)


def _rule(actors, name, actions, trigger=Trigger.UPDATED, conditions=None):
    return rule_create(spec=RuleSpec(name=name, entity="opportunity", trigger=trigger, conditions=conditions or {},
                                     actions=actions), actor=actors.sales_ops)


def test_rules_that_trigger_each_other_are_stopped_and_the_loop_is_logged(actors, deal):
    first = _rule(actors, "甲改说明", [{"type": "set_field", "field": "description", "value": "甲"}])
    second = _rule(actors, "乙改说明", [{"type": "set_field", "field": "description", "value": "乙"}])
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（改）")
    drain_events()
    stopped = RuleRun.objects.filter(outcome=RunOutcome.LOOP_STOPPED)
    assert stopped.exists()
    assert "检测到规则循环，已停止" in stopped.first().error
    assert RuleRun.objects.filter(rule__in=[first, second], outcome=RunOutcome.FIRED).count() <= 4
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_rule_on_a_deleted_field_is_disabled_and_its_author_told(actors, deal):
    field = CustomField.objects.create(entity="opportunity", key="budget_source", label="预算来源", field_type="text")
    rule = _rule(actors, "看预算来源", [{"type": "notify", "to": [{"kind": "owner"}], "title": "预算来源已填"}],
                 conditions={"match": "all", "items": [{"field": "custom.budget_source", "op": "not_empty"}]})
    field.is_active = False
    field.save()
    opportunity_update(opportunity=deal, actor=actors.rep, name="新名字")
    drain_events()
    rule.refresh_from_db()
    assert not rule.is_enabled
    assert rule.disabled_reason == "条件引用的字段“custom.budget_source”不存在或已停用。"
    assert "自动化规则“看预算来源”已停用" in inbox(actors.sales_ops)
    assert RuleRun.objects.get(rule=rule).outcome == RunOutcome.ERROR


def test_a_failing_action_is_rolled_back_logged_and_its_rule_disabled(actors, deal):
    rule = _rule(actors, "金额改成负数", [{"type": "set_field", "field": "amount", "value": "-5"}])
    opportunity_update(opportunity=deal, actor=actors.rep, name="新名字")
    drain_events()
    deal.refresh_from_db()
    assert deal.amount > 0
    run = RuleRun.objects.get(rule=rule)
    assert run.outcome == RunOutcome.ERROR
    assert run.actions_detail[0]["ok"] is False
    rule.refresh_from_db()
    assert not rule.is_enabled and rule.disabled_reason.startswith("动作“设置字段”失败")


def test_a_customer_rule_reassigns_through_the_customer_service_and_the_audit_shows_it(actors):
    from shangji.conftest import make_customer
    from shangji.core.models import AuditEntry

    rule_create(spec=RuleSpec(name="A 级客户交给主管", entity="customer", trigger=Trigger.CREATED,
                              conditions={"match": "all", "items": [{"field": "grade", "op": "eq", "value": "A"}]},
                              actions=[{"type": "assign", "to": {"kind": "manager", "levels": 1}}]),
                actor=actors.sales_ops)
    vip = make_customer(actors.rep, name="杭州海康精工有限公司", grade="A")
    plain = make_customer(actors.rep, name="宁波普通贸易有限公司", grade="C")
    drain_events()
    vip.refresh_from_db()
    plain.refresh_from_db()
    assert vip.owner == actors.team_lead and plain.owner == actors.rep
    assert AuditEntry.objects.filter(entity="customer", entity_id=vip.pk, field="owner_id",
                                     new_value=str(actors.team_lead.pk)).exists()


def test_a_freeze_action_blocks_moves_and_edits_with_its_reason(actors, deal):
    from django.core.exceptions import ValidationError

    from shangji.core.selectors import active_freeze

    over = {"match": "all", "items": [{"field": "amount", "op": "gt", "value": "1000000"}]}
    freeze = [{"type": "freeze", "operation": "move", "reason": "{name} 金额超过 100 万待审批"},
              {"type": "freeze", "operation": "edit", "reason": "待审批"}]
    rule_create(spec=RuleSpec(name="大额改价冻结", entity="opportunity", trigger=Trigger.CONDITION_TRUE,
                              conditions=over, actions=freeze), actor=actors.sales_ops)
    opportunity_update(opportunity=deal, actor=actors.rep, amount="2000000")
    drain_events()
    assert active_freeze(entity="opportunity", entity_id=deal.pk, action="move").reason == \
        "华东 MES 二期 金额超过 100 万待审批"
    with pytest.raises(ValidationError, match="冻结"):
        move_deal(deal, "方案提交", actors.rep)
    deal.refresh_from_db()
    with pytest.raises(ValidationError, match="冻结"):
        opportunity_update(opportunity=deal, actor=actors.rep, name="改名")
    deal.refresh_from_db()
    assert deal.stage.name == "需求确认" and deal.name == "华东 MES 二期"


def test_an_event_later_in_a_batch_sees_what_an_earlier_events_rule_changed(actors, deal):
    _rule(actors, "说明为空时填甲", [{"type": "set_field", "field": "description", "value": "甲"}],
          conditions={"match": "all", "items": [{"field": "description", "op": "empty"}]})
    told = _rule(actors, "说明为甲时通知", [{"type": "notify", "to": [{"kind": "owner"}], "title": "说明已填"}],
                 conditions={"match": "all", "items": [{"field": "description", "op": "eq", "value": "甲"}]})
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（一改）")
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（二改）")
    first, second = Event.objects.filter(dispatched_at__isnull=True, entity="opportunity").order_by("pk")[:2]
    events.dispatch_pending()  # both updates in one batch: the records read at its start are stale after the first
    assert not RuleRun.objects.filter(rule=told, event=first).exists()
    assert RuleRun.objects.get(rule=told, event=second).outcome == RunOutcome.FIRED
