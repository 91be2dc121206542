"""Writes for the nurture sequences (L6): sales ops create and edit a sequence with its steps, and choose which
one new low-score leads join. Only one sequence is active at a time — `enroll()` takes the first active one, so
activating a sequence deactivates the others here, in one transaction, and every change is audited.

Editing a sequence while leads are in it is allowed. An enrollment's progress is a count (`steps_sent`) read
against the current step order, and its next step is a timer keyed by position, so two rules keep every lead on
the right step: steps already sent to a lead still in the sequence keep their place (their content may change),
and after every edit each active enrollment's pending timer is pointed at its real next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.models import Timer, TimerStatus
from shangji.core.services import audit_record
from shangji.core.text import clean_text
from shangji.core.timers import timer_cancel, timer_start
from shangji.leads.choices import NurtureChannel, NurtureStatus
from shangji.leads.models import NurtureEnrollment, NurtureSequence, NurtureStep
from shangji.leads.nurture import TIMER_KIND
from shangji.notify.models import WebhookSubscription

ENTITY = "nurture_sequence"
# Bounds of the data types, not business rules: a larger delay overflows the timer's date arithmetic.
MAX_DELAY_DAYS = 3650
MAX_POSITION = 10000


@dataclass(frozen=True)
class StepInput:
    """One step as the editor submits it. `id` keeps an existing step; `line` is the row number shown in errors."""

    subject: str
    delay_days: int | None
    position: int | None = None
    body: str = ""
    content_url: str = ""
    id: int | None = None
    line: int | None = None


def _require_configurator(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.can_configure:
        raise PermissionDenied(_("只有销售运营和管理员可以配置线索培育序列。"))


def _sequence_values(*, name, channel, webhook, sequence: NurtureSequence | None) -> dict:
    errors: dict[str, list[str]] = {}
    name = clean_text(name)
    if not name:
        errors["name"] = [_("请填写序列名称。")]
    elif len(name) > 100:
        errors["name"] = [_("序列名称最多 100 个字。")]
    elif NurtureSequence.objects.filter(name=name).exclude(pk=getattr(sequence, "pk", None)).exists():
        errors["name"] = [_("已有名为“%(name)s”的培育序列，请换一个名称。") % {"name": name}]
    if channel not in NurtureChannel.values:
        errors["channel"] = [_("请选择发送方式：邮件或 Webhook。")]
    elif channel == NurtureChannel.WEBHOOK:
        if webhook is None:
            errors["webhook"] = [_("Webhook 发送方式需要选择一个 Webhook 订阅。")]
        elif not WebhookSubscription.objects.filter(pk=webhook.pk, is_active=True).exists():
            errors["webhook"] = [_("Webhook 订阅“%(name)s”已停用，请选择一个启用中的订阅。") % {"name": webhook.name}]
    else:
        webhook = None  # e-mail goes to the lead's own address; a subscription chosen earlier no longer applies
    if errors:
        raise ValidationError(errors)
    return {"name": name, "channel": channel, "webhook": webhook}


def _clean_steps(steps: list[StepInput], *, existing: dict[int, NurtureStep]) -> list[dict]:
    """Validate every row; raise one ValidationError listing all problems, or return rows sorted by position."""
    problems: list[str] = []
    rows: list[dict] = []
    url_validator = URLValidator(schemes=["http", "https"])
    for index, step in enumerate(steps):
        line = step.line or index + 1
        subject, body, url = clean_text(step.subject), clean_text(step.body), clean_text(step.content_url)
        if step.id is not None and step.id not in existing:
            problems.append(_("第 %(line)s 行：该步骤已不存在，请刷新页面后重试。") % {"line": line})
            continue
        if not subject:
            problems.append(_("第 %(line)s 行：请填写标题。") % {"line": line})
        elif len(subject) > 200:
            problems.append(_("第 %(line)s 行：标题最多 200 个字。") % {"line": line})
        if step.delay_days is None:
            problems.append(_("第 %(line)s 行：请填写间隔天数（0 表示立即发送）。") % {"line": line})
        elif not 0 <= step.delay_days <= MAX_DELAY_DAYS:
            problems.append(_("第 %(line)s 行：间隔天数须在 0 到 %(max)s 之间。") % {"line": line,
                                                                                  "max": MAX_DELAY_DAYS})
        if step.position is not None and not 1 <= step.position <= MAX_POSITION:
            problems.append(_("第 %(line)s 行：顺序须为 1 到 %(max)s 的整数。") % {"line": line, "max": MAX_POSITION})
        if url:
            try:
                url_validator(url)
            except ValidationError:
                problems.append(_("第 %(line)s 行：内容链接须是以 http:// 或 https:// 开头的完整网址。")
                                % {"line": line})
        rows.append({"id": step.id, "line": line, "position": step.position, "delay_days": step.delay_days,
                     "subject": subject, "body": body, "content_url": url})
    given = [row["position"] for row in rows if row["position"] is not None]
    for position in sorted({p for p in given if given.count(p) > 1}):
        lines = "、".join(str(row["line"]) for row in rows if row["position"] == position)
        problems.append(_("第 %(lines)s 行的顺序都是 %(position)s，每一步的顺序不能重复。")
                        % {"lines": lines, "position": position})
    if not rows and not problems:
        problems.append(_("请至少添加一个步骤。"))
    if problems:
        raise ValidationError({"steps": problems})
    # A row without a position goes after the others, in the order it was entered.
    last = max(given, default=0)
    for row in rows:
        if row["position"] is None:
            last += 1
            row["position"] = last
    if last > MAX_POSITION:
        raise ValidationError({"steps": [_("步骤太多：顺序不能超过 %(max)s。") % {"max": MAX_POSITION}]})
    return sorted(rows, key=lambda row: row["position"])


def _sent_frontier(sequence: NurtureSequence, positions: list[int]) -> tuple[int, int]:
    """(position of the furthest step already sent to a lead still in the sequence, how many such leads)."""
    active = NurtureEnrollment.objects.filter(sequence=sequence, status=NurtureStatus.ACTIVE, steps_sent__gt=0)
    furthest = active.aggregate(n=Max("steps_sent"))["n"] or 0
    if not furthest:
        return 0, 0
    return positions[min(furthest, len(positions)) - 1], active.count()


def _check_sent_steps_stay(rows: list[dict], existing: dict[int, NurtureStep], frontier: int, leads: int) -> None:
    """Steps up to `frontier` were sent to leads still in the sequence: they stay where they are, and nothing new
    goes before them — otherwise those leads' progress would point at the wrong step."""
    if not frontier:
        return
    problems: list[str] = []
    kept = {row["id"]: row for row in rows if row["id"] is not None}
    for step in existing.values():
        if step.position > frontier:
            continue
        row = kept.get(step.pk)
        if row is None:
            problems.append(_("“%(subject)s”已发送给 %(count)s 条仍在培育中的线索，不能删除；可以修改它的内容。")
                            % {"subject": step.subject, "count": leads})
        elif row["position"] != step.position:
            problems.append(_("第 %(line)s 行：“%(subject)s”已发送给仍在培育中的线索，顺序须保持为 %(position)s。")
                            % {"line": row["line"], "subject": step.subject, "position": step.position})
    for row in rows:
        moved_in = row["id"] is None or existing[row["id"]].position > frontier
        if moved_in and row["position"] <= frontier:
            problems.append(_("第 %(line)s 行：顺序须大于 %(position)s，前面的步骤已发送给仍在培育中的线索。")
                            % {"line": row["line"], "position": frontier})
    if problems:
        raise ValidationError({"steps": problems})


def _summary(steps) -> str:
    return "；".join(_("%(position)s. %(subject)s（%(days)s 天后）%(link)s") % {
        "position": s["position"], "subject": s["subject"], "days": s["delay_days"],
        "link": f" {s['content_url']}" if s["content_url"] else ""} for s in steps)


def _step_dicts(steps) -> list[dict]:
    return [{"position": s.position, "subject": s.subject, "delay_days": s.delay_days, "body": s.body,
             "content_url": s.content_url} for s in steps]


def _save_steps(sequence: NurtureSequence, rows: list[dict], existing: dict[int, NurtureStep]) -> None:
    kept = {row["id"] for row in rows if row["id"] is not None}
    NurtureStep.objects.filter(sequence=sequence).exclude(pk__in=kept).delete()
    # Positions are unique per sequence: park moved steps above every position in use before placing them.
    moved = [row for row in rows if row["id"] is not None and existing[row["id"]].position != row["position"]]
    parking = max([s.position for s in existing.values()] + [row["position"] for row in rows]) + 1
    for offset, row in enumerate(moved):
        NurtureStep.objects.filter(pk=row["id"]).update(position=parking + offset)
    for row in rows:
        values = {key: row[key] for key in ("position", "delay_days", "subject", "body", "content_url")}
        if row["id"] is None:
            NurtureStep.objects.create(sequence=sequence, **values)
        else:
            NurtureStep.objects.filter(pk=row["id"]).update(**values)


def _realign_enrollments(sequence: NurtureSequence, old_delays: dict[int, int]) -> None:
    """Point every active enrollment's pending timer at its real next step after the steps changed.

    `old_delays` maps the old positions to their delays, so the moment the last step went out (due − delay) is
    recovered and the next step is due that many of *its* days later.
    """
    steps = list(NurtureStep.objects.filter(sequence=sequence).order_by("position"))
    positions = [s.position for s in steps]
    now = timezone.now()
    enrollments = NurtureEnrollment.objects.select_for_update().filter(sequence=sequence,
                                                                       status=NurtureStatus.ACTIVE)
    for enrollment in enrollments:
        prefix = f"nurture:{enrollment.pk}:"
        pending = Timer.objects.filter(key__startswith=prefix, status=TimerStatus.PENDING).order_by("id").last()
        sent = positions[min(enrollment.steps_sent, len(positions)) - 1] if enrollment.steps_sent else -1
        following = next((s for s in steps if s.position > sent), None)
        if following is None:
            timer_cancel(key_prefix=prefix)
            enrollment.status, enrollment.ended_at = NurtureStatus.FINISHED, now
            enrollment.save(update_fields=["status", "ended_at"])
            continue
        old_position = pending.payload.get("position") if pending else None
        if pending is not None and old_position in old_delays:
            last_sent_at = pending.due_at - timedelta(days=old_delays[old_position])
        else:
            last_sent_at = now
        due_at = last_sent_at + timedelta(days=following.delay_days)
        if pending is not None and old_position == following.position and pending.due_at == due_at:
            continue
        timer_cancel(key_prefix=prefix)
        timer_start(kind=TIMER_KIND, key=f"{prefix}{following.position}", entity="lead",
                    entity_id=enrollment.lead_id, due_at=due_at,
                    payload={"enrollment": enrollment.pk, "position": following.position})


def _activate(sequence: NurtureSequence, actor) -> None:
    """Make `sequence` the only active one; the caller holds the transaction."""
    others = list(NurtureSequence.objects.select_for_update().filter(is_active=True).exclude(pk=sequence.pk))
    hook_ok = WebhookSubscription.objects.filter(pk=sequence.webhook_id, is_active=True).exists()
    if sequence.channel == NurtureChannel.WEBHOOK and not (sequence.webhook_id and hook_ok):
        raise ValidationError({"webhook": [_("此序列的 Webhook 订阅未启用，请先编辑序列选择一个启用中的订阅。")]})
    if not NurtureStep.objects.filter(sequence=sequence).exists():
        raise ValidationError({"steps": [_("序列还没有步骤，请先添加至少一个步骤再启用。")]})
    for other in others:
        NurtureSequence.objects.filter(pk=other.pk).update(is_active=False)
        audit_record(entity=ENTITY, entity_id=other.pk, action="deactivated", actor=actor,
                     changes={"is_active": (True, False)},
                     note=_("启用“%(name)s”时自动停用：同一时间只有一个培育序列生效。") % {"name": sequence.name})
    if not sequence.is_active:
        NurtureSequence.objects.filter(pk=sequence.pk).update(is_active=True)
        sequence.is_active = True
        audit_record(entity=ENTITY, entity_id=sequence.pk, action="activated", actor=actor,
                     changes={"is_active": (False, True)})


@transaction.atomic
def nurture_sequence_create(*, actor, name: str, channel: str, steps: list[StepInput],
                            webhook: WebhookSubscription | None = None, is_active: bool = False) -> NurtureSequence:
    """Create a sequence and its steps; `is_active=True` also makes it the one new low-score leads join."""
    _require_configurator(actor)
    errors: dict[str, list[str]] = {}
    values: dict = {}
    try:
        values = _sequence_values(name=name, channel=channel, webhook=webhook, sequence=None)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        rows = _clean_steps(steps, existing={})
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    sequence = NurtureSequence.objects.create(**values, is_active=False, created_at=timezone.now())
    _save_steps(sequence, rows, existing={})
    audit_record(entity=ENTITY, entity_id=sequence.pk, action="created", actor=actor, changes={
        "name": (None, values["name"]), "channel": (None, values["channel"]),
        **({"webhook": (None, values["webhook"].name)} if values["webhook"] else {}),
        "steps": (None, _summary(rows))})
    if is_active:
        _activate(sequence, actor)
    return sequence


@transaction.atomic
def nurture_sequence_update(*, sequence: NurtureSequence, actor, name: str, channel: str, steps: list[StepInput],
                            webhook: WebhookSubscription | None = None) -> NurtureSequence:
    """Replace the sequence's settings and steps with the submitted ones (steps with an `id` are kept and
    changed, steps left out are removed, steps without one are added)."""
    _require_configurator(actor)
    sequence = NurtureSequence.objects.select_for_update(of=("self",)).select_related("webhook").get(pk=sequence.pk)
    existing = {step.pk: step for step in NurtureStep.objects.filter(sequence=sequence).order_by("position")}
    errors: dict[str, list[str]] = {}
    values: dict = {}
    try:
        values = _sequence_values(name=name, channel=channel, webhook=webhook, sequence=sequence)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        rows = _clean_steps(steps, existing=existing)
        frontier, leads = _sent_frontier(sequence, [s.position for s in existing.values()])
        _check_sent_steps_stay(rows, existing, frontier, leads)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    diff = {}
    for key in ("name", "channel", "webhook"):
        old, new = getattr(sequence, key), values[key]
        if old != new:
            diff[key] = (getattr(old, "name", old), getattr(new, "name", new))
    before = _step_dicts(existing.values())
    after = [{key: row[key] for key in ("position", "subject", "delay_days", "body", "content_url")} for row in rows]
    if before != after:
        diff["steps"] = (_summary(before), _summary(after))
    for key, value in values.items():
        setattr(sequence, key, value)
    sequence.save(update_fields=["name", "channel", "webhook"])
    if "steps" in diff:
        _save_steps(sequence, rows, existing)
        _realign_enrollments(sequence, {s.position: s.delay_days for s in existing.values()})
    if diff:
        audit_record(entity=ENTITY, entity_id=sequence.pk, action="updated", actor=actor, changes=diff)
    return sequence


@transaction.atomic
def nurture_sequence_activate(*, sequence: NurtureSequence, actor) -> NurtureSequence:
    """New low-score leads join this sequence from now on; the sequence active before is deactivated."""
    _require_configurator(actor)
    sequence = NurtureSequence.objects.select_for_update().get(pk=sequence.pk)
    _activate(sequence, actor)
    return sequence


@transaction.atomic
def nurture_sequence_deactivate(*, sequence: NurtureSequence, actor) -> NurtureSequence:
    """No new leads join it; leads already in it receive their remaining steps."""
    _require_configurator(actor)
    sequence = NurtureSequence.objects.select_for_update().get(pk=sequence.pk)
    if sequence.is_active:
        NurtureSequence.objects.filter(pk=sequence.pk).update(is_active=False)
        sequence.is_active = False
        audit_record(entity=ENTITY, entity_id=sequence.pk, action="deactivated", actor=actor,
                     changes={"is_active": (True, False)})
    return sequence
