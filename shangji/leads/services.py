"""Writes for campaigns and leads (L1–L8). Every write is atomic and leaves history, audit and event rows.

Capture runs the whole path in one transaction: validate → tag → score → assign → notify. The rep's in-app
notification and robot/e-mail deliveries are written in the same commit, so the worker sends them at once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shangji.core.customfields import custom_fields_for, custom_values_apply
from shangji.core.memo import config_cached
from shangji.core.models import CustomField
from shangji.core.registry import setting
from shangji.core.services import audit_record, event_emit, row_insert, rows_buffered, rows_update
from shangji.core.text import clean_text
from shangji.customers.choices import Scale
from shangji.customers.dedup import EmailError, PhoneError, normalize_email, normalize_phone
from shangji.customers.models import Industry
from shangji.leads import assignment
from shangji.leads.choices import (
    ArchiveReason,
    AssignmentKind,
    Budget,
    CampaignStatus,
    Channel,
    LeadStatus,
    Source,
    TouchKind,
)
from shangji.leads.models import Campaign, Lead, LeadAssignment, LeadTouch
from shangji.leads.score import lead_score
from shangji.leads.tagging import lead_tags
from shangji.notify.services import notifications_buffered
from shangji.org.choices import Role, UnitKind
from shangji.org.models import OrgUnit, SalesProfile, User

log = logging.getLogger(__name__)
CAMPAIGN_ROLES = {Role.MARKETING, Role.SALES_OPS, Role.ADMIN, Role.DIRECTOR}
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class CampaignClosed(ValidationError):
    pass


def can_manage_campaigns(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in CAMPAIGN_ROLES))


# ---------------------------------------------------------------------------------------------------------
# Campaigns


def _campaign_values(*, name, channel, industry, description, starts_on, ends_on, cost) -> dict:
    errors: dict[str, list[str]] = {}
    name = clean_text(name)[:100]
    if not name:
        errors["name"] = [_("请填写活动名称。")]
    if channel not in Channel.values:
        errors["channel"] = [_("请选择渠道。")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    if cost is not None:
        try:
            cost = Decimal(str(cost))
            if not cost.is_finite() or cost < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["cost"] = [_("活动费用需要是不小于 0 的金额。")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "channel": channel, "industry": industry, "description": clean_text(description)[:300],
            "starts_on": starts_on, "ends_on": ends_on, "cost": cost}


@transaction.atomic
def campaign_create(*, actor, name: str, channel: str = Channel.WECHAT_QR, industry: Industry | None = None,
                    description: str = "", starts_on: date | None = None, ends_on: date | None = None,
                    cost=None) -> Campaign:
    if not can_manage_campaigns(actor):
        raise PermissionDenied(_("只有市场、销售运营、销售总监和管理员可以管理市场活动。"))
    values = _campaign_values(name=name, channel=channel, industry=industry, description=description,
                              starts_on=starts_on, ends_on=ends_on, cost=cost)
    now = timezone.now()
    campaign = Campaign.objects.create(**values, code=secrets.token_urlsafe(6)[:8],
                                       intake_key=secrets.token_urlsafe(32), created_by=actor, created_at=now,
                                       updated_at=now)
    audit_record(entity="campaign", entity_id=campaign.pk, action="created", actor=actor,
                 changes={"name": (None, campaign.name)})
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor, **changes) -> Campaign:
    if not can_manage_campaigns(actor):
        raise PermissionDenied(_("只有市场、销售运营、销售总监和管理员可以管理市场活动。"))
    current = {key: getattr(campaign, key) for key in ("name", "channel", "industry", "description", "starts_on",
                                                       "ends_on", "cost")}
    status = changes.pop("status", campaign.status)
    if status not in CampaignStatus.values:
        raise ValidationError({"status": [_("状态不正确。")]})
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError({key: [_("不能修改此字段。")] for key in unknown})
    values = _campaign_values(**{**current, **changes})
    diff = {key: (current[key], value) for key, value in values.items() if current[key] != value}
    if status != campaign.status:
        diff["status"] = (campaign.status, status)
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.status = status
    campaign.updated_at = timezone.now()
    campaign.save()
    if diff:
        audit_record(entity="campaign", entity_id=campaign.pk, action="updated", actor=actor, changes=diff)
    return campaign


# ---------------------------------------------------------------------------------------------------------
# Capture (L1) and tagging/scoring (L2, L3)


@dataclass
class LeadInput:
    """What a form, the API, an import row or a person typed; services validate and normalize it."""

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    title: str = ""
    need: str = ""
    budget: str = ""
    industry: str = ""  # a name from the industry vocabulary
    scale: str = ""
    city: str = ""  # a city (or region) name from the org tree
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    consent: bool = False
    page_seconds: int | None = None
    downloads: int = 0
    utm: dict = field(default_factory=dict)
    custom: dict | None = None


def _choice_value(raw: str, choices) -> str | None:
    """Accept a stored value or its label in the active language ("50–100万", also typed "50-100万")."""
    text = clean_text(raw)
    if not text:
        return ""
    accepted = _accepted_choices(choices, get_language())
    return accepted.get(text, accepted.get(text.replace("-", "–")))


@functools.cache
def _accepted_choices(choices, language: str | None) -> dict[str, str]:
    """Value and label → value (labels are translated: read once per language, not at every public submission)."""
    accepted: dict[str, str] = {}
    for value, label in choices.choices:
        accepted.setdefault(value, value)
        accepted.setdefault(str(label), value)
    return accepted


def _location(city_text: str) -> tuple[OrgUnit | None, OrgUnit | None]:
    """(region, city) of a city or region name ("上海" or "上海市")."""
    text = clean_text(city_text).removesuffix("市")
    return _places().get(text, (None, None)) if text else (None, None)


@config_cached(OrgUnit)
def _places() -> dict[str, tuple[OrgUnit | None, OrgUnit | None]]:
    """Every city and region by name, read once per process and lifetime: the public form's city text is looked up
    here for every lead (a per-text cache would let random names grow it without bound)."""
    places: dict = {}
    for unit in OrgUnit.objects.filter(kind__in=(UnitKind.CITY, UnitKind.REGION)).select_related("parent"):
        if unit.kind == UnitKind.CITY:
            place = (unit.parent if unit.parent and unit.parent.kind == UnitKind.REGION else None, unit)
        else:
            place = (unit, None)
        places.setdefault(unit.name.removesuffix("市"), place)
    return places


def lead_values(data: LeadInput) -> dict:
    """Validate and normalize; one ValidationError names every bad field in Chinese. A malformed phone number is
    kept and flagged (phone_valid=False), never dropped."""
    errors: dict[str, list[str]] = {}
    values: dict = {"name": clean_text(data.name)[:40], "company": clean_text(data.company)[:200],
                    "title": clean_text(data.title)[:60], "consent": bool(data.consent)}
    if not values["name"]:
        errors["name"] = [_("请填写姓名。")]
    need = clean_text(data.need)
    if len(need) > setting("leads.intake_max_text"):
        errors["need"] = [_("需求描述最多 %(n)s 字。") % {"n": setting("leads.intake_max_text")}]
    values["need"] = need
    raw_phone = clean_text(data.phone)[:30]
    try:
        values["phone"], values["phone_valid"] = (normalize_phone(raw_phone), True) if raw_phone else ("", True)
    except PhoneError:
        values["phone"], values["phone_valid"] = raw_phone, False
    raw_email = clean_text(data.email)[:120]
    try:
        values["email"] = normalize_email(raw_email) if raw_email else ""
    except EmailError as error:
        errors["email"] = [str(error)]
    if not raw_phone and not raw_email:
        errors["phone"] = [_("请至少填写手机或邮箱，方便我们联系您。")]
    budget = _choice_value(data.budget, Budget)
    if budget is None:
        errors["budget"] = [_("预算请选择：%(options)s。") % {"options": "、".join(str(c.label) for c in Budget if c)}]
    values["budget"] = budget or ""
    scale = _choice_value(data.scale, Scale)
    if scale is None:
        errors["scale"] = [_("企业规模请选择：%(options)s。") % {"options": "、".join(str(c.label) for c in Scale)}]
    values["scale"] = scale or ""
    industry_name = clean_text(data.industry)
    values["industry"] = Industry.objects.filter(name=industry_name).first() if industry_name else None
    if industry_name and values["industry"] is None:
        errors["industry"] = [_("没有名为“%(name)s”的行业。") % {"name": industry_name[:40]}]
    values["region"], values["city"] = _location(data.city)
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        raw = getattr(data, key)
        try:
            number = None if raw in (None, "") else Decimal(str(raw)).quantize(Decimal("0.000001"))
            if number is not None and not low <= number <= high:
                raise InvalidOperation
            values[key] = number
        except (InvalidOperation, ValueError):
            errors[key] = [_("坐标格式不正确。")]
    try:
        values["page_seconds"] = None if data.page_seconds in (None, "") else max(0, int(data.page_seconds))
        values["downloads"] = max(0, int(data.downloads or 0))
    except (TypeError, ValueError):
        errors["page_seconds"] = [_("停留时间和下载次数需要是整数。")]
    values["utm"] = {key: clean_text(data.utm.get(key))[:200] for key in UTM_KEYS if data.utm.get(key)}
    if errors:
        raise ValidationError(errors)
    return values


def lead_capture(*, source: str, data: LeadInput, campaign: Campaign | None = None, actor=None,
                 idempotency_key: str = "", owner: User | None = None, now=None,
                 defer: bool = False) -> tuple[Lead, bool]:
    """Create a lead and run it through tagging, scoring and assignment; returns (lead, created).

    The same `idempotency_key` for the same campaign returns the first lead and changes nothing.
    `owner` (manual entry by a rep) skips automatic assignment. `now` is the capture time (an import of
    historical leads keeps their original time; assignment then judges working hours at that time).
    With `defer` (the public form and API) the lead is stored as "new" and the worker tags, scores and
    assigns it right after the commit (`leads_process_waiting`), so the public endpoint stays cheap: its only write
    is the insert, and a repeated idempotency key is found by the unique constraint rather than a read first.
    """
    key = clean_text(idempotency_key)[:120]
    if defer:
        return _capture_deferred(source=source, data=data, campaign=campaign, actor=actor, key=key, now=now)
    with transaction.atomic():
        if key:
            existing = Lead.objects.filter(campaign=campaign, idempotency_key=key).first()
            if existing is not None:
                return existing, False
        lead = _new_lead(source=source, data=data, campaign=campaign, actor=actor, key=key, now=now,
                         status=LeadStatus.QUEUED)
        _prepare(lead, lead.created_at)  # stored with the insert below
        created = _insert(lead, campaign=campaign, key=key)
        if created is not lead:
            return created, False
        _finish(lead, owner=owner, actor=actor, now=lead.created_at)
    return lead, True


def _capture_deferred(*, source, data, campaign, actor, key, now) -> tuple[Lead, bool]:
    if key and campaign is None:  # the unique constraint cannot catch these (NULL campaigns are all distinct)
        existing = Lead.objects.filter(campaign=None, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    try:
        lead = _new_lead(source=source, data=data, campaign=campaign, actor=actor, key=key, now=now,
                         status=LeadStatus.NEW)
    except CampaignClosed:
        # A retry of a lead sent before the campaign closed still answers with that lead.
        existing = Lead.objects.filter(campaign=campaign, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing, False
    created = _insert(lead, campaign=campaign, key=key)
    if created is not lead:
        return created, False
    transaction.on_commit(_wake_processing, robust=True)  # outside a transaction: at once
    return lead, True


def _first_with_key(campaign, key: str) -> Lead:
    """The same key came first (a retry, or a race with another process): that lead wins."""
    return Lead.objects.get(campaign=campaign, idempotency_key=key)


def _new_lead(*, source, data, campaign, actor, key, now, status) -> Lead:
    if campaign is not None and campaign.status != CampaignStatus.ACTIVE:
        raise CampaignClosed({"campaign": [_("该活动已结束，不再接收线索。")]}, code="campaign_closed")
    values = lead_values(data)
    # The public endpoints read the field definitions from the per-process cache (a field added in the UI is
    # accepted there within seconds); a person entering a lead sees this moment's.
    fields = _lead_custom_fields() if status == LeadStatus.NEW else None
    custom = custom_values_apply(entity="lead", current=None, given=data.custom, fields=fields).values
    now = now or timezone.now()
    return Lead(**values, custom=custom, campaign=campaign, source=Source(source),
                channel=campaign.channel if campaign else (Channel.OTHER if source != Source.MANUAL else ""),
                idempotency_key=key, created_by=actor if actor and actor.is_authenticated else None,
                status=status, created_at=now, updated_at=now, last_progress_at=now)


@config_cached(CustomField)
def _lead_custom_fields() -> list[CustomField]:
    return custom_fields_for("lead", include_inactive=True)


def _insert(lead: Lead, *, campaign, key: str) -> Lead:
    """Insert the lead; with an idempotency key another process inserted first, that lead. Outside any transaction
    (the public form and API) the insert commits by itself: one round trip instead of three (BEGIN, INSERT, COMMIT).
    Inside the caller's transaction it is a savepoint, so a duplicate key leaves that transaction usable."""
    try:
        with transaction.atomic() if transaction.get_connection().in_atomic_block else contextlib.nullcontext():
            row_insert(lead)
    except IntegrityError:
        if key:
            return _first_with_key(campaign, key)
        raise
    return lead


def _wake_processing() -> None:
    from shangji.leads.tasks import wake_processing

    wake_processing()


# What the worker writes when it claims a "new" lead.
_SCORED_FIELDS = ("tags", "score", "score_explanation", "scored_at", "status", "updated_at")
_WAITING = Lead.objects.select_related("campaign", "campaign__industry", "industry", "city", "region")


def leads_process_waiting() -> int:
    """The worker's task after deferred captures: process the leads waiting in "new", batch after batch (up to
    leads.process_batch each), until a batch comes back short; how many were processed. One wake-up serves every
    lead that arrived before it ran (tasks.wake_processing), so at 50 leads/s the batches grow and the cost per
    lead falls, while at a low rate each lead is processed on its own at once."""
    limit, total = setting("leads.process_batch"), 0
    while True:
        done = leads_process_new(limit=limit)
        total += len(done)
        if len(done) < limit:
            return total


def leads_process_new(*, created_before=None, limit: int | None = None) -> list[int]:
    """Tag, score and assign one batch of "new" leads, oldest first; the ids processed. On PostgreSQL the batch is
    taken with SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint batches; SQLite has one writer
    at a time and the batch is read inside it. When the batch fails as a whole, its leads are tried one by one, so
    one bad lead holds up nobody else (it stays "new" and the sweep tries it again)."""
    limit = limit or setting("leads.process_batch")
    try:
        return _process_batch(limit=limit, created_before=created_before)
    except Exception:
        log.exception("lead batch failed; processing its leads one by one")
    waiting = _WAITING.filter(status=LeadStatus.NEW)
    if created_before is not None:
        waiting = waiting.filter(created_at__lt=created_before)
    done: list[int] = []
    for pk in waiting.order_by("pk").values_list("pk", flat=True)[:limit]:
        try:
            done += _process_batch(limit=1, only=pk)
        except Exception:
            log.exception("lead %s could not be processed; the sweep tries it again", pk)
    return done


def _process_batch(*, limit: int, created_before=None, only: int | None = None) -> list[int]:
    now = timezone.now()
    with transaction.atomic():
        waiting = _WAITING.select_for_update(skip_locked=True, of=("self",)).filter(status=LeadStatus.NEW)
        if created_before is not None:
            waiting = waiting.filter(created_at__lt=created_before)
        if only is not None:
            waiting = waiting.filter(pk=only)
        leads = []
        for lead in waiting.order_by("pk")[:limit]:
            try:
                _prepare(lead, now)
            except Exception:  # tagging or scoring this one failed: the others go on, it stays "new"
                log.exception("lead %s could not be scored", lead.pk)
                continue
            lead.status, lead.updated_at = LeadStatus.QUEUED, now
            leads.append(lead)
        if not leads:
            return []
        routes = {lead.pk: assignment.route(lead) for lead in leads}
        units = sorted({team.pk for team, _reason in routes.values() if team is not None})
        if units:  # one assignment batch per unit at a time, so open counts and round robin stay exact
            list(OrgUnit.objects.select_for_update().filter(pk__in=units).order_by("pk").values_list("pk", flat=True))
        pools = assignment.Pools()
        with rows_buffered(), notifications_buffered(), _lead_rows_buffered() as rows:
            for lead in leads:
                rows.save(lead, _SCORED_FIELDS)
            for number, lead in enumerate(leads):
                # Each lead its own instant, so round robin orders the batch's leads as one-by-one processing would.
                _finish(lead, owner=None, actor=None, now=now + timedelta(microseconds=number),
                        routed=routes[lead.pk], pools=pools)
    return [lead.pk for lead in leads]


STUCK_AFTER_SECONDS = 10  # infrastructure: far longer than a queued processing task normally waits


def leads_process_stuck(*, older_than_seconds: int = STUCK_AFTER_SECONDS, limit: int = 500) -> int:
    """Safety net (every minute and when a worker starts): "new" leads whose processing task was lost."""
    before = timezone.now() - timedelta(seconds=older_than_seconds)
    total = 0
    while total < limit and (done := leads_process_new(created_before=before, limit=min(
            limit - total, setting("leads.process_batch")))):
        total += len(done)
    return total


class _LeadRows:
    """Lead updates, assignment rows and reps' last-lead times of a batch, written when the batch ends."""

    def __init__(self) -> None:
        self.leads: dict[int, Lead] = {}
        self.fields: set[str] = set()
        self.assignments: list[LeadAssignment] = []
        self.last_lead_at: dict[int, object] = {}

    def save(self, lead: Lead, fields) -> None:
        self.leads[lead.pk] = lead
        self.fields.update(fields)

    def write(self) -> None:
        if self.leads:
            rows_update(list(self.leads.values()), sorted(self.fields))
        LeadAssignment.objects.bulk_create(self.assignments)
        for user_id, at in self.last_lead_at.items():
            _note_last_lead(user_id, at)


_rows: ContextVar[_LeadRows | None] = ContextVar("lead_rows", default=None)


@contextlib.contextmanager
def _lead_rows_buffered() -> Iterator[_LeadRows]:
    rows = _LeadRows()
    token = _rows.set(rows)
    try:
        yield rows
    finally:
        _rows.reset(token)
    rows.write()


def _save_lead(lead: Lead, fields: list[str]) -> None:
    rows = _rows.get()
    if rows is not None:
        rows.save(lead, fields)
    else:
        lead.save(update_fields=fields)


def _add_assignment(row: LeadAssignment) -> None:
    rows = _rows.get()
    if rows is not None:
        rows.assignments.append(row)
    else:
        row.save(force_insert=True)


def _note_last_lead(user_id: int, at) -> None:
    rows = _rows.get()
    if rows is not None:
        rows.last_lead_at[user_id] = at
    elif not SalesProfile.objects.filter(user_id=user_id).update(last_lead_at=at):
        SalesProfile.objects.update_or_create(user_id=user_id, defaults={"last_lead_at": at})


def _prepare(lead: Lead, now) -> None:
    """Tags and score: reads and CPU only."""
    lead.tags = lead_tags(lead)
    _apply_score(lead, now)


def _finish(lead: Lead, *, owner: User | None, actor, now, routed=None, pools: assignment.Pools | None = None) -> None:
    """Announce the stored, scored lead and assign it (inside the caller's transaction). `routed` and `pools`: a
    worker's batch has routed the lead and locked its unit already."""
    audit_record(entity="lead", entity_id=lead.pk, action="created", actor=lead.created_by,
                 changes={"score": (None, lead.score)})
    event_emit(name="lead.created", entity="lead", entity_id=lead.pk, actor=lead.created_by,
               payload={"source": lead.source, "campaign": lead.campaign_id, "score": lead.score})
    if owner is not None:
        _set_owner(lead, owner=owner, team=owner.org_unit, kind=AssignmentKind.MANUAL, actor=actor,
                   reason=_("由 %(name)s 手工录入并跟进") % {"name": owner.display_name}, steps=[], now=now)
    else:
        lead_assign(lead=lead, actor=None, now=now, locked=True, routed=routed, pools=pools)
    from shangji.leads.nurture import after_scoring

    after_scoring(lead, previous_score=None)


def _apply_score(lead: Lead, now) -> None:
    scored = lead_score(lead)
    lead.score = scored.score
    lead.score_explanation = [{"label": label, "points": points} for label, points in scored.lines]
    lead.scored_at = now


@transaction.atomic
def lead_rescore(*, lead: Lead, actor=None) -> Lead:
    previous = lead.score
    now = timezone.now()
    lead.tags = lead_tags(lead)
    _apply_score(lead, now)
    lead.updated_at = now
    lead.save(update_fields=["tags", "score", "score_explanation", "scored_at", "updated_at"])
    if previous != lead.score:
        audit_record(entity="lead", entity_id=lead.pk, action="rescored", actor=actor,
                     changes={"score": (previous, lead.score)})
        event_emit(name="lead.updated", entity="lead", entity_id=lead.pk, actor=actor,
                   payload={"changed": ["score"], "previous": {"score": previous}})
        from shangji.leads.nurture import after_scoring

        after_scoring(lead, previous_score=previous)
    return lead


# ---------------------------------------------------------------------------------------------------------
# Assignment (L4)


def _locked(lead: Lead) -> Lead:
    return (Lead.objects.select_for_update(of=("self",)).select_related("industry", "city", "region", "campaign")
            .get(pk=lead.pk))


@transaction.atomic(savepoint=False)  # nothing here is caught and retried inside a caller's transaction
def lead_assign(*, lead: Lead, actor=None, kind: str = AssignmentKind.AUTO, exclude: tuple[int, ...] = (),
                now=None, locked: bool = False, routed=None, pools: assignment.Pools | None = None) -> Lead:
    """Run the assignment chain. Nobody available → the lead waits in the team queue and its manager is told.
    `locked`: the caller already holds the lead's row (it has just written it in this transaction).
    `routed` and `pools` (a worker's batch): the lead's route, and its unit's candidates read under the unit's lock."""
    now = now or timezone.now()
    fresh = lead if locked else _locked(lead)
    if not fresh.is_open:
        return fresh
    routed = routed or assignment.route(fresh)
    if routed[0] is not None and pools is None:  # one assignment per team at a time: exact open counts, round robin
        list(OrgUnit.objects.select_for_update().filter(pk=routed[0].pk).values_list("pk", flat=True))
    decision = assignment.decide(fresh, exclude=exclude, now=now, routed=routed, pools=pools)
    if decision.owner is not None and pools is not None:
        pools.assigned(decision.owner.pk, now)
    if decision.owner is None:
        _queue(fresh, team=decision.team, kind=kind, actor=actor, reason=decision.reason, steps=decision.steps,
               now=now)
    else:
        _set_owner(fresh, owner=decision.owner, team=decision.team, kind=kind, actor=actor, reason=decision.reason,
                   steps=decision.steps, now=now)
    copy_fields(fresh, lead)
    return lead


def copy_fields(source: Lead, target: Lead) -> None:
    """Give the caller's object the state a service wrote through its own, locked copy."""
    if source is not target:
        for f in Lead._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))


def _set_owner(lead: Lead, *, owner: User, team: OrgUnit | None, kind: str, actor, reason: str, steps: list,
               now) -> None:
    previous = lead.owner_id
    lead.owner, lead.team = owner, team if team is not None else owner.org_unit
    lead.assigned_at, lead.assignment_reason, lead.updated_at = now, reason[:500], now
    if lead.status == LeadStatus.QUEUED or kind in (AssignmentKind.SLA, AssignmentKind.RECYCLE):
        lead.status = LeadStatus.ASSIGNED if lead.first_contact_at is None else LeadStatus.CONTACTED
    lead.silent_since = None
    _save_lead(lead, ["owner", "team", "assigned_at", "assignment_reason", "status", "silent_since", "updated_at"])
    _add_assignment(LeadAssignment(lead=lead, kind=kind, from_owner_id=previous, to_owner=owner, team=lead.team,
                                   reason=reason[:500], steps=steps, actor=actor, at=now))
    _note_last_lead(owner.pk, now)
    audit_record(entity="lead", entity_id=lead.pk, action="assigned", actor=actor,
                 changes={"owner_id": (previous, owner.pk)}, note=reason[:500])
    event_emit(name="lead.assigned", entity="lead", entity_id=lead.pk, actor=actor,
               payload={"changed": ["owner"], "previous": {"owner": previous}, "kind": kind})
    _tell_owner(lead, owner)


def _tell_owner(lead: Lead, owner: User) -> None:
    from shangji.notify.services import notification_send

    body = _("评分 %(score)s：%(lines)s\n分配原因：%(reason)s\n需求：%(need)s\n电话：%(phone)s") % {
        "score": lead.score, "lines": lead.top_reasons(), "reason": lead.assignment_reason,
        "need": lead.need[:200] or "—", "phone": lead.phone or "—"}
    title = _("新线索：%(lead)s（%(score)s 分）") % {"lead": lead, "score": lead.score}
    notification_send(recipients=[owner], title=title, body=body, link=reverse("leads:detail", args=[lead.pk]),
                      entity="lead", entity_id=lead.pk, source="leads")


def team_managers(team: OrgUnit | None) -> list[User]:
    """The nearest managers at or above the team (the team lead; else the city's, region's, …)."""
    if team is None:
        return list(User.objects.filter(is_active=True, role=Role.SALES_OPS))
    ancestors = team.ancestor_ids()
    managers = list(User.objects.filter(is_active=True, role=Role.MANAGER, org_unit_id__in=ancestors)
                    .select_related("org_unit"))
    if not managers:
        return list(User.objects.filter(is_active=True, role=Role.SALES_OPS))
    deepest = max(m.org_unit.depth for m in managers)
    return [m for m in managers if m.org_unit.depth == deepest]


def _queue(lead: Lead, *, team: OrgUnit | None, kind: str, actor, reason: str, steps: list, now) -> None:
    from shangji.notify.services import notification_send

    previous = lead.owner_id
    lead.owner, lead.team, lead.status = None, team, LeadStatus.QUEUED
    lead.assignment_reason, lead.updated_at = reason[:500], now
    _save_lead(lead, ["owner", "team", "status", "assignment_reason", "updated_at"])
    _add_assignment(LeadAssignment(lead=lead, kind=AssignmentKind.QUEUE, from_owner_id=previous, to_owner=None,
                                   team=team, reason=reason[:500], steps=steps, actor=actor, at=now))
    event_emit(name="lead.queued", entity="lead", entity_id=lead.pk, actor=actor,
               payload={"changed": ["owner"], "previous": {"owner": previous}, "team": team.pk if team else None})
    notification_send(recipients=team_managers(team),
                      title=_("线索待分配：%(lead)s（%(score)s 分）") % {"lead": lead, "score": lead.score},
                      body=_("%(reason)s。请在线索页手工分配，或由团队成员认领。") % {"reason": reason},
                      link=reverse("leads:detail", args=[lead.pk]), entity="lead", entity_id=lead.pk, source="leads")


class AlreadyClaimed(ValidationError):
    pass


def can_assign(actor, lead: Lead) -> bool:
    """Managers over the lead's team (or its owner), and company-wide editors, hand leads out."""
    from shangji.core.visibility import can_change, scope_for

    if actor is None or not actor.is_authenticated:
        return False
    if actor.can_edit_everything:
        return True
    if not actor.is_manager:
        return False
    if lead.owner_id is not None:
        return can_change(actor, lead.owner_id)
    from shangji.leads.models import lead_queue_units

    return lead.team_id in lead_queue_units(scope_for(actor))


@transaction.atomic
def lead_claim(*, lead: Lead, actor) -> Lead:
    """A rep takes a queued lead of their team. Two claims at once: exactly one wins (conditional update)."""
    from shangji.core.visibility import scope_for
    from shangji.leads.models import lead_queue_units

    if lead.team_id not in lead_queue_units(scope_for(actor)) or actor.role != Role.REP:
        raise PermissionDenied(_("只能认领本团队待分配的线索。"))
    now = timezone.now()
    won = Lead.objects.filter(pk=lead.pk, owner__isnull=True, status=LeadStatus.QUEUED).update(
        owner=actor, status=LeadStatus.ASSIGNED, assigned_at=now, updated_at=now)
    if not won:
        raise AlreadyClaimed({"owner": [_("该线索已被他人认领或分配。")]}, code="already_claimed")
    fresh = _locked(lead)
    fresh.owner, fresh.status = None, LeadStatus.QUEUED  # so _set_owner records the change from the queue
    _set_owner(fresh, owner=actor, team=fresh.team, kind=AssignmentKind.CLAIM, actor=actor,
               reason=_("%(name)s 从团队待分配队列认领") % {"name": actor.display_name}, steps=[], now=now)
    copy_fields(fresh, lead)
    return lead


@transaction.atomic
def lead_assign_to(*, lead: Lead, actor, owner: User, note: str = "") -> Lead:
    if not can_assign(actor, lead):
        raise PermissionDenied(_("只有线索所在团队的主管、销售总监、销售运营和管理员可以分配线索。"))
    if not owner.is_active:
        raise ValidationError({"owner": [_("该用户已停用。")]})
    fresh = _locked(lead)
    if not fresh.is_open:
        raise ValidationError({"status": [_("已关闭的线索不能再分配。")]})
    if fresh.owner_id == owner.pk:
        return fresh
    reason = _("%(actor)s 手工分配给 %(name)s") % {"actor": actor.display_name, "name": owner.display_name}
    note = clean_text(note)[:200]
    _set_owner(fresh, owner=owner, team=owner.org_unit, kind=AssignmentKind.MANUAL, actor=actor,
               reason=f"{reason}：{note}" if note else reason, steps=[], now=timezone.now())
    copy_fields(fresh, lead)
    return lead


@transaction.atomic
def lead_reassign(*, lead: Lead, actor=None, kind: str = AssignmentKind.SLA) -> Lead:
    """SLA and silent-pool recycling: run the chain again, leaving out the current owner."""
    exclude = (lead.owner_id,) if lead.owner_id else ()
    return lead_assign(lead=lead, actor=actor, kind=kind, exclude=exclude)


# ---------------------------------------------------------------------------------------------------------
# Progress (L5, L7), archive and conversion (L8)


def _require_change(actor, lead: Lead) -> None:
    from shangji.core.visibility import can_change

    if lead.owner_id is None or not can_change(actor, lead.owner_id):
        raise PermissionDenied(_("只有线索负责人及其上级可以操作此线索。"))


@transaction.atomic
def lead_touch(*, lead: Lead, actor, kind: str = TouchKind.CALL, note: str = "") -> LeadTouch:
    """Record a contact. The first one stops the first-response clock (L5) and moves the lead to contacted."""
    _require_change(actor, lead)
    if kind not in TouchKind.values:
        raise ValidationError({"kind": [_("请选择联系方式。")]})
    fresh = _locked(lead)
    if not fresh.is_open:
        raise ValidationError({"status": [_("已关闭的线索不能再记录跟进。")]})
    now = timezone.now()
    touch = LeadTouch.objects.create(lead=fresh, kind=kind, note=clean_text(note)[:2000], by=actor, at=now)
    changes = {"changed": [], "previous": {}}
    if fresh.first_contact_at is None:
        changes = {"changed": ["first_contact_at", "status"], "previous": {"first_contact_at": None,
                                                                          "status": fresh.status}}
        fresh.first_contact_at, fresh.status = now, LeadStatus.CONTACTED
    fresh.last_progress_at, fresh.silent_since, fresh.updated_at = now, None, now
    fresh.save(update_fields=["first_contact_at", "status", "last_progress_at", "silent_since", "updated_at"])
    event_emit(name="lead.updated", entity="lead", entity_id=fresh.pk, actor=actor,
               payload={**changes, "touch": touch.kind})
    copy_fields(fresh, lead)
    return touch


@transaction.atomic
def lead_archive(*, lead: Lead, actor, reason: str) -> Lead:
    _require_change(actor, lead)
    if reason not in ArchiveReason.values:
        raise ValidationError({"archive_reason": [_("请选择归档原因。")]})
    fresh = _locked(lead)
    if not fresh.is_open:
        raise ValidationError({"status": [_("该线索已关闭。")]})
    previous, now = fresh.status, timezone.now()
    fresh.status, fresh.archive_reason, fresh.updated_at, fresh.silent_since = LeadStatus.ARCHIVED, reason, now, None
    fresh.save(update_fields=["status", "archive_reason", "updated_at", "silent_since"])
    audit_record(entity="lead", entity_id=fresh.pk, action="archived", actor=actor,
                 changes={"status": (previous, fresh.status)}, note=fresh.get_archive_reason_display())
    event_emit(name="lead.updated", entity="lead", entity_id=fresh.pk, actor=actor,
               payload={"changed": ["status"], "previous": {"status": previous}})
    from shangji.leads.nurture import enrollment_exit

    enrollment_exit(lead=fresh, reason=_("线索已归档"))
    copy_fields(fresh, lead)
    return lead


@transaction.atomic
def leads_mark_silent(*, now=None) -> int:
    """L7, daily: contacted leads without progress for N days (and not archived) enter the silent pool."""
    from datetime import timedelta

    now = now or timezone.now()
    before = now - timedelta(days=setting("leads.silent_days"))
    ids = list(Lead.objects.filter(status=LeadStatus.CONTACTED, silent_since__isnull=True,
                                   last_progress_at__lt=before).values_list("pk", flat=True)[:5000])
    Lead.objects.filter(pk__in=ids).update(silent_since=now)
    for pk in ids:
        event_emit(name="lead.silent", entity="lead", entity_id=pk, actor=None, payload={})
    return len(ids)


@transaction.atomic
def lead_recycle(*, lead: Lead, actor, owner: User | None = None) -> Lead:
    """Take a silent lead from its rep: to `owner`, or through the assignment chain to someone else."""
    if not can_assign(actor, lead):
        raise PermissionDenied(_("只有线索所在团队的主管、销售总监、销售运营和管理员可以回收线索。"))
    if lead.silent_since is None:
        raise ValidationError({"status": [_("只有静默池中的线索可以回收。")]})
    if owner is not None:
        return lead_assign_to(lead=lead, actor=actor, owner=owner, note=_("静默回收"))
    return lead_reassign(lead=lead, actor=actor, kind=AssignmentKind.RECYCLE)
