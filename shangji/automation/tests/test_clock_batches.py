"""Rule clocks started by a dispatch batch are written together when it ends, and the record of what happened is
the same as if each event had been handled alone: a clock whose condition stopped holding later in the batch is
cancelled with its reason, a restarted clock leaves the old one cancelled as "重新计时", redelivery adds nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shangji.automation.choices import RunOutcome, StartEvent, Trigger
from shangji.automation.models import Rule, RuleRun
from shangji.automation.services import RuleSpec, rule_create
from shangji.conftest import drain_events, make_opportunity, move_deal
from shangji.core import events
from shangji.core.models import Event, Timer, TimerStatus
from shangji.pipeline.services import opportunity_update

pytestmark = pytest.mark.django_db


def clocks(rule, deal) -> list[tuple[str, str]]:
    return list(Timer.objects.filter(key=f"rule:{rule.pk}:opportunity:{deal.pk}").order_by("id")
                .values_list("status", "note"))


def escalation() -> Rule:
    return Rule.objects.get(key="proposal-escalation")


def _clock_rule(actors, start_conditions=None):
    """A day after any change to a deal, remind its owner (while `start_conditions` hold)."""
    return rule_create(spec=RuleSpec(name="改动后一天未跟进提醒", entity="opportunity", trigger=Trigger.TIME_ELAPSED,
                                     start_event=StartEvent.UPDATED, start_conditions=start_conditions or {},
                                     delay_value=1, delay_unit="days",
                                     actions=[{"type": "notify", "to": [{"kind": "owner"}], "title": "请跟进"}]),
                       actor=actors.sales_ops)


def test_the_clocks_of_a_whole_batch_are_written_in_one_insert(actors, no_gates):
    deals = [make_opportunity(actors.rep, name=f"批量商机{n}", amount="30000.00", stage="需求确认") for n in range(4)]
    drain_events()
    for deal in deals:
        move_deal(deal, "方案提交", actors.rep)
    with CaptureQueriesContext(connection) as queries:
        events.dispatch_pending()
    inserts = [query for query in queries.captured_queries if query["sql"].startswith('INSERT INTO "core_timer"')]
    assert len(inserts) == 1
    for deal in deals:
        assert clocks(escalation(), deal) == [(TimerStatus.PENDING, "")]
    assert RuleRun.objects.filter(rule__key="proposal-escalation", outcome=RunOutcome.TIMER_STARTED).count() == 4


def test_a_clock_whose_condition_stops_holding_later_in_the_batch_is_written_cancelled(actors, deal):
    clock = _clock_rule(actors, start_conditions={"match": "all", "items": [{"field": "description", "op": "empty"}]})
    rule_create(spec=RuleSpec(name="二改时填说明", entity="opportunity", trigger=Trigger.UPDATED,
                              conditions={"match": "all", "items": [
                                  {"field": "name", "op": "eq", "value": "华东 MES 二期（二改）"}]},
                              actions=[{"type": "set_field", "field": "description", "value": "甲"}]),
                actor=actors.sales_ops)
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（一改）")
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（二改）")
    # One batch: the first update starts the clock (the description is empty) and the second rule fills the
    # description, so at the second update the clock's condition no longer holds.
    events.dispatch_pending()
    assert clocks(clock, deal) == [(TimerStatus.CANCELLED, "计时条件已不成立")]


def test_a_clock_restarted_within_the_batch_leaves_the_first_cancelled_as_restarted(actors, deal):
    rule = _clock_rule(actors)
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（一改）")
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, actor=actors.rep, name="华东 MES 二期（二改）")
    events.dispatch_pending()
    assert clocks(rule, deal) == [(TimerStatus.CANCELLED, "重新计时"), (TimerStatus.PENDING, "")]
    assert RuleRun.objects.filter(rule=rule, outcome=RunOutcome.TIMER_STARTED).count() == 2


def test_a_batch_delivered_again_starts_no_clock_twice(actors, deal):
    move_deal(deal, "方案提交", actors.rep)
    other = make_opportunity(actors.rep, name="苏州 WMS", amount="30000.00", stage="需求确认")
    move_deal(other, "方案提交", actors.rep)
    drain_events()
    Event.objects.update(dispatched_at=None)  # as if the worker died before marking them
    drain_events()
    for record in (deal, other):
        assert clocks(escalation(), record) == [(TimerStatus.PENDING, "")]
    assert RuleRun.objects.filter(rule__key="proposal-escalation", outcome=RunOutcome.TIMER_STARTED).count() == 2


def test_a_held_clock_cancelled_and_started_again_is_rechecked_as_the_new_one_only(actors, deal):
    from django.utils import timezone

    from shangji.automation import engine
    from shangji.automation.catalog import fields_for
    from shangji.automation.conditions import Context

    rule = Rule.objects.get(key="proposal-escalation")  # its clock holds while the deal is at 方案提交

    def start() -> Timer:
        timer = Timer(kind="rule", key=f"rule:{rule.pk}:opportunity:{deal.pk}", entity="opportunity",
                      entity_id=deal.pk, due_at=timezone.now(), created_at=timezone.now(), payload={"rule": rule.pk})
        engine._held().add(engine._Start([timer], [RuleRun(rule=rule)], none_pending=False))
        return timer

    token = events._batch_memo.set({events._EVENTS: [], events._AT_END: {}})  # as inside a dispatch batch
    try:
        first = start()
        engine._held().cancel(first, "计时条件已不成立")
        second = start()
        assert engine._held_clocks("opportunity", deal.pk) == [(second, rule)]
        ctx = Context(entity="opportunity", record=deal, catalog=fields_for("opportunity"))  # at 需求确认
        engine._recheck_held(ctx, engine._held_clocks("opportunity", deal.pk))
        assert (second.status, second.note) == (TimerStatus.CANCELLED, "计时条件已不成立")
        assert engine._held().pending == set()
    finally:
        events._batch_memo.reset(token)
