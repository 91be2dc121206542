"""The rule engine: the outbox handler and the timer handler that run rules, and the dry run for the tester.

Each rule run is one transaction: the RuleRun row and every action's writes commit together; an action that
fails is rolled back to its savepoint, logged, and its rule disabled with a message to the author. A rule never
runs twice for one event or one timer (RuleRun is unique per rule+event and rule+timer), so redelivery is safe.
Events carry the chain of rules whose actions caused them; a rule already in the chain is not run again.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.automation.actions import ACTION_TYPES, ActionContext, run_action
from shangji.automation.catalog import MissingField, fields_for, load_record, load_records, record_label
from shangji.automation.choices import DelayUnit, Entity, RunOutcome, StartEvent, Trigger
from shangji.automation.conditions import Context, Verdict, evaluate
from shangji.automation.models import Rule, RuleRun
from shangji.core.events import batch_at_end, batch_events, batch_forget, batch_memo, caused_by
from shangji.core.models import Event, Timer, TimerStatus
from shangji.core.registry import setting
from shangji.core.services import delete_in_chunks, housekeeper
from shangji.core.timers import timer_cancel

log = logging.getLogger(__name__)
TIMER_KIND = "rule"

# Which rule triggers an event of each kind can set off.
_TRIGGERS_BY_EVENT = {
    "created": {Trigger.CREATED, Trigger.CONDITION_TRUE},
    "updated": {Trigger.UPDATED, Trigger.CONDITION_TRUE},
    "stage_changed": {Trigger.UPDATED, Trigger.STAGE_CHANGED, Trigger.CONDITION_TRUE},
    "completed": {Trigger.UPDATED, Trigger.CONDITION_TRUE},
    "reopened": {Trigger.UPDATED, Trigger.CONDITION_TRUE},
    "assigned": {Trigger.UPDATED, Trigger.CONDITION_TRUE},
    "queued": {Trigger.UPDATED, Trigger.CONDITION_TRUE},
    "silent": {Trigger.UPDATED, Trigger.CONDITION_TRUE},
    # A visit becomes a record when the rep files it (a plan is not one yet): that is its "created".
    "recorded": {Trigger.CREATED, Trigger.CONDITION_TRUE},
}
_STARTS_BY_EVENT = {
    "created": {StartEvent.CREATED, StartEvent.CREATED_OR_STAGE_CHANGED},
    "updated": {StartEvent.UPDATED},
    "stage_changed": {StartEvent.UPDATED, StartEvent.STAGE_CHANGED, StartEvent.CREATED_OR_STAGE_CHANGED},
    "completed": {StartEvent.UPDATED},
    "reopened": {StartEvent.UPDATED},
    "assigned": {StartEvent.UPDATED, StartEvent.ASSIGNED},
    "queued": {StartEvent.UPDATED},
    "silent": {StartEvent.UPDATED},
    "recorded": {StartEvent.CREATED},
}


def handle_event(event: Event) -> None:
    """Outbox handler: run the rules an event triggers, start and cancel their clocks."""
    if event.entity not in Entity.values:
        return
    kind = event.name.rsplit(".", 1)[-1]
    rules = [rule for rule in batch_memo(f"rules:{event.entity}", lambda: enabled_rules(event.entity))
             if (rule.trigger == Trigger.TIME_ELAPSED and rule.start_event in _STARTS_BY_EVENT.get(kind, ()))
             or (rule.trigger != Trigger.TIME_ELAPSED and rule.trigger in _TRIGGERS_BY_EVENT.get(kind, ()))]
    stored = _clocks_stored(event.entity, event.entity_id)
    held = _held_clocks(event.entity, event.entity_id)
    if not rules and not stored and not held:  # nothing reacts to this kind of event: do not even load the record
        return
    record = _record(event.entity, event.entity_id)
    if record is None:
        return
    catalog = batch_memo(f"catalog:{event.entity}", lambda: fields_for(event.entity))
    changed, previous = _changes(event, kind)
    ctx = Context(entity=event.entity, record=record, changed=changed, previous=previous, catalog=catalog)
    if held:
        _recheck_held(ctx, held)
    if stored:
        _recheck_clocks(ctx)
    # A redelivered event runs nothing twice: RuleRun is unique per rule and event, and the insert comes first.
    _start_clocks([rule for rule in rules if rule.trigger == Trigger.TIME_ELAPSED], ctx, event,
                  none_pending=not stored and not held)
    for rule in rules:
        if rule.trigger != Trigger.TIME_ELAPSED:
            run_rule(rule, ctx, event=event, chain=tuple(event.chain))


# What a dispatch batch reads once for all its events (core/events.py batch_memo). Records are read at the batch's
# start and dropped as soon as a rule's actions ran (they may have changed any record). Pending clocks are only
# started by this module: the clocks a batch starts are held (_Held) and written together when it ends.
_RECORDS = "automation-records:"
_CLOCKS = "automation-clocks"
_HELD = "automation-held-clocks"


def _record(entity: str, entity_id: int):
    events = batch_events()
    if events is None:
        return load_record(entity, entity_id)
    records = batch_memo(_RECORDS + entity, lambda: load_records(
        entity, {event.entity_id for event in events if event.entity == entity}))
    if entity_id not in records:  # not among the batch's events (a caller outside the loop): read it alone
        return load_record(entity, entity_id)
    return records[entity_id]


def _clock_targets() -> set[tuple[str, int]] | None:
    """(entity, id) of every record of the running batch with a pending rule clock; None outside a batch."""
    events = batch_events()
    if events is None:
        return None

    def load() -> set[tuple[str, int]]:
        ids: dict[str, set[int]] = {}
        for event in events:
            ids.setdefault(event.entity, set()).add(event.entity_id)
        targets = Q(pk__in=[])
        for entity, entity_ids in ids.items():
            targets |= Q(entity=entity, entity_id__in=entity_ids)
        return set(Timer.objects.filter(targets, kind=TIMER_KIND, status=TimerStatus.PENDING)
                   .values_list("entity", "entity_id"))

    return batch_memo(_CLOCKS, load)


def _clocks_stored(entity: str, entity_id: int) -> bool:
    """Whether the record has a pending rule clock in the database."""
    targets = _clock_targets()
    covered = targets is not None and (entity, entity_id) in batch_memo(
        "automation-batch-records", lambda: {(event.entity, event.entity_id) for event in batch_events() or ()})
    if not covered:
        return Timer.objects.filter(kind=TIMER_KIND, entity=entity, entity_id=entity_id,
                                    status=TimerStatus.PENDING).exists()
    return (entity, entity_id) in targets


_rule_cache: dict[str, tuple[tuple, list[Rule]]] = {}


def enabled_rules(entity: str) -> list[Rule]:
    """The enabled rules of an entity, kept per process while the rule table is unchanged (one aggregate query
    per event instead of loading and decoding every rule)."""
    stamp = tuple(Rule.objects.filter(entity=entity).aggregate(
        n=Count("id"), enabled=Count("id", filter=Q(is_enabled=True)), changed=Max("updated_at")).values())
    cached = _rule_cache.get(entity)
    if cached is None or cached[0] != stamp:
        cached = (stamp, list(Rule.objects.filter(is_enabled=True, entity=entity)))
        _rule_cache[entity] = cached
    return cached[1]


def handle_timer(timer: Timer) -> None:
    """Timer handler: the clock of a time-elapsed rule ran out; check its conditions now and act."""
    rule = Rule.objects.filter(pk=timer.payload.get("rule"), is_enabled=True).first()
    if rule is None:
        return
    record = load_record(timer.entity, timer.entity_id)
    if record is None:
        return
    ctx = Context(entity=timer.entity, record=record)
    run_rule(rule, ctx, timer=timer, chain=tuple(timer.payload.get("chain", ())))


def run_rule(rule: Rule, ctx: Context, *, event: Event | None = None, timer: Timer | None = None,
             chain: tuple[int, ...] = ()) -> RuleRun | None:
    started = time.perf_counter()

    def new_run() -> RuleRun:  # built only when there is something to log (most rules do not fire)
        return RuleRun(rule=rule, event=event, timer=timer, entity=ctx.entity, entity_id=ctx.record.pk,
                       record_label=record_label(ctx.entity, ctx.record), chain=list(chain), ran_at=timezone.now())

    if rule.pk in chain or len(chain) >= setting("automation.max_chain_depth"):
        names = dict(Rule.objects.filter(pk__in=chain).values_list("pk", "name"))
        path = " → ".join([*(names.get(pk, f"#{pk}") for pk in chain), rule.name])
        return _save(new_run(), started, outcome=RunOutcome.LOOP_STOPPED,
                     error=_("检测到规则循环，已停止：%(path)s") % {"path": path})
    logged = timer is not None or setting("automation.log_not_matched")
    try:
        verdict = _verdict(rule, ctx, explain=logged)
        if verdict.ok and not logged:
            verdict = _verdict(rule, ctx)  # it fires: now write down why
    except MissingField as missing:
        reason = _("条件引用的字段“%(field)s”不存在或已停用。") % {"field": missing.key}
        saved = _save(new_run(), started, outcome=RunOutcome.ERROR, error=reason)
        rule_disable_broken(rule=rule, reason=reason)
        return saved
    if not verdict.ok and not logged:
        return None  # the tester explains why not
    run = new_run()
    run.conditions_detail = verdict.lines
    if not verdict.ok:
        return _save(run, started, outcome=RunOutcome.NOT_MATCHED)
    try:
        with transaction.atomic():
            run.outcome = RunOutcome.FIRED
            run.save()
            batch_forget(_RECORDS)  # the actions may change records the batch has read
            failure = _run_actions(rule, run, ctx, chain)
            run.duration_ms = (time.perf_counter() - started) * 1000
            run.save(update_fields=["outcome", "actions_detail", "error", "duration_ms"])
    except IntegrityError:
        return None  # another worker ran this rule for this event or timer already
    if failure:
        rule_disable_broken(rule=rule, reason=failure)
    return run


def _verdict(rule: Rule, ctx: Context, *, explain: bool = True) -> Verdict:
    if rule.trigger == Trigger.TIME_ELAPSED:
        # The clock's own condition must still hold at the due time, then the rule's conditions.
        start = evaluate(rule.start_conditions, ctx, explain=explain)
        then = evaluate(rule.conditions, ctx, explain=explain)
        lines = [{"depth": 0, "ok": start.ok, "text": _("计时条件仍成立")}, *_indented(start.lines),
                 {"depth": 0, "ok": then.ok, "text": _("到期条件")}, *_indented(then.lines)]
        return Verdict(start.ok and then.ok, lines)
    verdict = evaluate(rule.conditions, ctx, explain=explain)
    if rule.trigger == Trigger.CONDITION_TRUE and verdict.ok and ctx.changed:
        before = Context(entity=ctx.entity, record=ctx.record, changed=ctx.changed, previous=ctx.previous,
                         before=True, catalog=ctx.catalog)
        if evaluate(rule.conditions, before, explain=False).ok:
            verdict.ok = False
            verdict.lines.append({"depth": 0, "ok": False, "text": _("修改前条件已成立，不重复触发")})
    return verdict


def _indented(lines: list[dict]) -> list[dict]:
    return [{**line, "depth": line["depth"] + 1} for line in lines]


def _run_actions(rule: Rule, run: RuleRun, ctx: Context, chain: tuple[int, ...]) -> str:
    """Run the actions in order; stop at the first failure and return its sentence ("" when all succeeded)."""
    action_ctx = ActionContext(rule=rule, run=run, entity=ctx.entity, record=ctx.record, catalog=ctx.catalog)
    details = []
    failure = ""
    with caused_by((*chain, rule.pk)):
        for action in rule.actions:
            label = str(ACTION_TYPES.get(action.get("type"), action.get("type")))
            try:
                with transaction.atomic():
                    message = run_action(action, action_ctx)
                details.append({"type": action.get("type"), "label": label, "ok": True, "message": message})
            except Exception as error:  # any failure is logged on the run and disables the rule
                log.info("rule %s action %s failed: %s", rule.pk, label, error)
                text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
                details.append({"type": action.get("type"), "label": label, "ok": False, "message": text})
                failure = _("动作“%(action)s”失败：%(error)s") % {"action": label, "error": text}
                break
    run.actions_detail = details
    if failure:
        run.outcome = RunOutcome.ERROR
        run.error = failure
    return failure


def _save(run: RuleRun, started: float, *, outcome: str, error: str = "") -> RuleRun | None:
    run.outcome = outcome
    run.error = error
    run.duration_ms = (time.perf_counter() - started) * 1000
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        return None
    return run


def rule_delay(rule: Rule) -> timedelta:
    amount = int(setting(rule.delay_setting)) if rule.delay_setting else int(rule.delay_value or 0)
    unit = {DelayUnit.MINUTES: "minutes", DelayUnit.HOURS: "hours", DelayUnit.DAYS: "days"}[rule.delay_unit]
    return timedelta(**{unit: amount})


def _clock_key(rule: Rule, entity: str, entity_id: int) -> str:
    return f"rule:{rule.pk}:{entity}:{entity_id}"


def _start_clocks(rules: list[Rule], ctx: Context, event: Event, *, none_pending: bool = False) -> None:
    """A start event happened: (re)start the clock of every rule whose start conditions hold for this record —
    cancel the old clocks, write the new timers and their "clock started" run rows. Inside a dispatch batch the
    clocks are held and written with the batch's others when it ends (_Held); outside one, now.
    `none_pending`: the record has no pending rule clock, so there is nothing to cancel."""
    started = time.perf_counter()
    timers, runs = [], []
    for rule in rules:
        run = RuleRun(rule=rule, event=event, entity=ctx.entity, entity_id=ctx.record.pk,
                      record_label=record_label(ctx.entity, ctx.record), chain=list(event.chain),
                      ran_at=timezone.now())
        try:
            verdict = evaluate(rule.start_conditions, ctx)
        except MissingField as missing:
            reason = _("条件引用的字段“%(field)s”不存在或已停用。") % {"field": missing.key}
            _save(run, started, outcome=RunOutcome.ERROR, error=reason)
            rule_disable_broken(rule=rule, reason=reason)
            continue
        if not verdict.ok:
            continue  # not worth a log row: most events do not start most clocks
        due_at = timezone.now() + rule_delay(rule)
        timers.append(Timer(kind=TIMER_KIND, key=_clock_key(rule, ctx.entity, ctx.record.pk), entity=ctx.entity,
                            entity_id=ctx.record.pk, due_at=due_at, created_at=timezone.now(),
                            payload={"rule": rule.pk, "event": event.pk, "chain": list(event.chain)}))
        when = _("将于 %(at)s 检查条件") % {"at": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")}
        run.conditions_detail = [*verdict.lines, {"depth": 0, "ok": True, "text": when}]
        run.outcome = RunOutcome.TIMER_STARTED
        runs.append(run)
    if not timers:
        return
    for run in runs:
        run.duration_ms = (time.perf_counter() - started) * 1000
    held = _held()
    if held is None:
        _write_clocks([_Start(timers, runs, none_pending)])
        return
    if any(timer.key in held.pending for timer in timers):
        # A restart of a clock this batch started: write what is held first, so the old clock is cancelled
        # ("重新计时") exactly as if each event had been handled alone.
        held.flush()
        none_pending = False
    held.add(_Start(timers, runs, none_pending))


class _Start:
    """The clocks one event started: its timers, their run rows, and whether old clocks need cancelling."""

    def __init__(self, timers: list[Timer], runs: list[RuleRun], none_pending: bool):
        self.timers, self.runs, self.none_pending = timers, runs, none_pending


class _Held:
    """The clocks a dispatch batch started, written in one transaction when it ends (three statements for the
    batch instead of three per event). Until then handle_event rechecks them in memory, and a restart of a held
    clock or a rule being disabled writes them first."""

    def __init__(self):
        self.starts: list[_Start] = []
        self.pending: set[str] = set()  # keys of the held timers still pending
        self.targets: dict[tuple[str, int], list[tuple[Timer, Rule]]] = {}

    def add(self, start: _Start) -> None:
        self.starts.append(start)
        for timer, run in zip(start.timers, start.runs, strict=True):
            self.pending.add(timer.key)
            self.targets.setdefault((timer.entity, timer.entity_id), []).append((timer, run.rule))

    def cancel(self, timer: Timer, note: str) -> None:
        timer.status, timer.finished_at, timer.note = TimerStatus.CANCELLED, timezone.now(), note
        self.pending.discard(timer.key)

    def flush(self) -> None:
        starts, self.starts, self.pending, self.targets = self.starts, [], set(), {}
        if starts:
            _write_clocks(starts)


def _held() -> _Held | None:
    """The running batch's held clocks (None outside a batch)."""
    if batch_events() is None:
        return None
    held = batch_memo(_HELD, _Held)
    batch_at_end(_HELD, held.flush)
    return held


def _held_clocks(entity: str, entity_id: int) -> list[tuple[Timer, Rule]]:
    """The record's held clocks still pending, with their rules."""
    held = _held()
    return [(timer, rule) for timer, rule in held.targets.get((entity, entity_id), ())
            if timer.status == TimerStatus.PENDING] if held else []


def _write_clocks(starts: list[_Start]) -> None:
    """One transaction for all: cancel the pending clocks being restarted, insert the timers and the run rows.
    A conflict (a redelivered event whose clocks are written already, or another worker starting the same clock)
    writes the starts one by one, skipping those that conflict."""
    try:
        _write_starts(starts)
    except IntegrityError:
        if len(starts) == 1:
            return
        for start in starts:
            try:
                _write_starts([start])
            except IntegrityError:
                continue


def _write_starts(starts: list[_Start]) -> None:
    restarted = [timer.key for start in starts if not start.none_pending for timer in start.timers]
    with transaction.atomic():
        if restarted:
            timer_cancel(keys=restarted, note=_("重新计时"))
        Timer.objects.bulk_create([timer for start in starts for timer in start.timers])
        RuleRun.objects.bulk_create([run for start in starts for run in start.runs])
    targets = _clock_targets()
    if targets is not None:
        targets.update((timer.entity, timer.entity_id) for start in starts for timer in start.timers
                       if timer.status == TimerStatus.PENDING)


def _recheck_held(ctx: Context, clocks: list[tuple[Timer, Rule]]) -> None:
    """_recheck_clocks for the clocks this batch started and still holds."""
    held = _held()
    for timer, rule in clocks:
        if not _still_holds(rule, ctx):
            held.cancel(timer, _("计时条件已不成立"))


def _still_holds(rule: Rule, ctx: Context) -> bool:
    try:
        return evaluate(rule.start_conditions, Context(entity=ctx.entity, record=ctx.record, catalog=ctx.catalog),
                        explain=False).ok
    except MissingField:
        return False


def _recheck_clocks(ctx: Context) -> None:
    """Resolving a condition cancels the clock: a pending timer whose start conditions no longer hold stops."""
    timers = Timer.objects.filter(kind=TIMER_KIND, entity=ctx.entity, entity_id=ctx.record.pk,
                                  status=TimerStatus.PENDING)
    rules = {rule.pk: rule for rule in Rule.objects.filter(pk__in=[t.payload.get("rule") for t in timers])}
    for timer in timers:
        rule = rules.get(timer.payload.get("rule"))
        if rule is None or not rule.is_enabled:
            timer_cancel(key=timer.key, note=_("规则已停用或删除"))
            continue
        if not _still_holds(rule, ctx):
            timer_cancel(key=timer.key, note=_("计时条件已不成立"))


def _changes(event: Event, kind: str) -> tuple[set[str], dict]:
    payload = event.payload or {}
    if kind == "stage_changed":
        return {"stage"}, {"stage": payload.get("from")}
    if kind in ("completed", "reopened"):
        return {"status"}, {"status": "open" if kind == "completed" else "done"}
    return set(payload.get("changed", ())), dict(payload.get("previous", {}))


def rule_disable_broken(*, rule: Rule, reason: str) -> None:
    """Stop a failing rule (no crash loop) and tell its author — or the configuring roles when it has none."""
    from shangji.automation.services import rule_disable

    held = _held()
    if held is not None:
        held.flush()  # so disabling cancels the clocks this batch started too

    rule_disable(rule=rule, actor=None, reason=reason)
    from shangji.notify.services import notification_send
    from shangji.org.choices import CONFIGURING_ROLES
    from shangji.org.models import User

    people = [rule.author] if rule.author_id and rule.author.is_active else list(
        User.objects.filter(role__in=CONFIGURING_ROLES, is_active=True))
    from django.urls import reverse

    notification_send(recipients=people, title=_("自动化规则“%(name)s”已停用") % {"name": rule.name},
                      body=reason, link=reverse("automation:rule_detail", args=[rule.pk]), entity="rule",
                      entity_id=rule.pk, source=rule.source_tag)


def rule_dry_run(*, rule: Rule, record) -> tuple[Verdict, list[str]]:
    """The tester: would the rule fire on this record now, because of what, and what it would do.

    Change conditions are evaluated as if every field had just become its current value."""
    from shangji.automation.actions import describe_action

    catalog = fields_for(rule.entity)
    specs = catalog.values()
    ctx = Context(entity=rule.entity, record=record, catalog=catalog,
                  changed={spec.previous_key for spec in specs if spec.previous_key}, previous={})
    verdict = _verdict(rule, ctx)
    action_ctx = ActionContext(rule=rule, run=None, entity=rule.entity, record=record, catalog=catalog)
    return verdict, [describe_action(action, action_ctx) for action in rule.actions]


@housekeeper
def purge_runs(before) -> int:
    """Run logs older than the kept days go (nightly, see core.history_purge)."""
    return delete_in_chunks(RuleRun.objects.filter(ran_at__lt=before))
