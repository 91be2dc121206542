"""Writes of field visits (V1–V5): the phone's sync of client-made visits, photos, signals and points.

A visit is made on the phone with its own id (`client_id`) and may reach the server many times (offline retries):
the same content again changes nothing; a change based on the version the phone last saw is applied; a change
based on an older version is a conflict the phone shows. Every accepted change is one transaction with its audit
row, event, signals, points and follow-up timer.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from shangji.core.errors import error_dict
from shangji.core.geo import distance_m
from shangji.core.registry import setting
from shangji.core.services import audit_record, event_emit
from shangji.core.text import clean_text
from shangji.core.timers import timer_cancel, timer_start
from shangji.customers.models import Customer
from shangji.pipeline.models import Product
from shangji.visits import audio, rollups
from shangji.visits import photos as photo_checks
from shangji.visits.choices import CheckInFlag, OptionalField, PhotoKind, VisitStatus
from shangji.visits.models import ObjectionType, PointEntry, SignalKind, Visit, VisitPhoto, VisitRecording, VisitSignal
from shangji.visits.signals import SignalRule, extract

FOLLOW_UP_TIMER = "visit_follow_up"
MAX_TAGS = 10
# Free-text fields of a visit and their lengths.
TEXT_FIELDS = {"committed_action": 300, "tomorrow_action": 300, "notes": 5000}
PHOTO_POINTS = {PhotoKind.SHELF: OptionalField.SHELF_PHOTO, PhotoKind.COMPETITOR: OptionalField.COMPETITOR_PHOTO,
                PhotoKind.CHAT: OptionalField.CHAT_SCREENSHOT}


@dataclass
class SyncResult:
    """What the phone learns about one visit it sent: created / updated / unchanged (all final), conflict (the
    server's copy is newer: `server` holds it) or rejected (`errors` say why; the phone keeps it for the rep)."""

    client_id: str
    outcome: str
    id: int | None = None
    version: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------
# Parsing and validation


def _datetime(raw, errors: dict, key: str) -> datetime | None:
    if raw in (None, ""):
        return None
    value = parse_datetime(str(raw)) if isinstance(raw, str) else raw if isinstance(raw, datetime) else None
    if value is None:
        errors[key] = [_("时间格式不正确，应为 2026-11-20T14:30:00+08:00。")]
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _decimal(raw, errors: dict, key: str, *, low, high, places: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw)).quantize(Decimal(places))
        if not value.is_finite() or not low <= value <= high:
            raise InvalidOperation
        return value
    except (InvalidOperation, ValueError):
        errors[key] = [_("数值不正确。")]
        return None


def _tags(raw, errors: dict, key: str) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = raw.replace("，", ",").split(",")
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        errors[key] = [_("需要是文字列表。")]
        return []
    tags = list(dict.fromkeys(clean_text(item)[:20] for item in raw if clean_text(item)))
    if len(tags) > MAX_TAGS:
        errors[key] = [_("最多 %(n)s 个。") % {"n": MAX_TAGS}]
    return tags[:MAX_TAGS]


def _active_id(model, raw, errors: dict, key: str) -> int | None:
    """The id of an active row of `model` (a pick list: product, objection), or an error for `key`."""
    if raw in (None, ""):
        return None
    try:
        found = model.objects.filter(pk=int(raw), is_active=True).values_list("pk", flat=True).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors[key] = [_("所选项目不存在或已停用。")]
    return found


def visit_values(data: dict) -> dict:
    """The phone's fields → model values; one ValidationError names every bad field in Chinese. A recorded visit
    needs the three required fields (V1): 客户痛点关键词, 本次承诺动作, 下次跟进时间."""
    errors: dict[str, list[str]] = {}
    status = data.get("status") or VisitStatus.RECORDED
    if status not in VisitStatus.values:
        errors["status"] = [_("状态不正确。")]
    values: dict = {"status": status}
    raw_day = data.get("planned_on")
    values["planned_on"] = parse_date(str(raw_day)) if raw_day else None
    if raw_day and values["planned_on"] is None:
        errors["planned_on"] = [_("日期格式不正确，应为 2026-11-20。")]
    try:
        values["plan_position"] = max(0, min(int(data.get("plan_position") or 0), 999))
    except (TypeError, ValueError):
        errors["plan_position"] = [_("需要是整数。")]
    for key in ("checked_in_at", "next_follow_up_at", "visited_at", "device_recorded_at"):
        values[key] = _datetime(data.get(key), errors, key)
    values["checkin_latitude"] = _decimal(data.get("checkin_latitude"), errors, "checkin_latitude", low=-90, high=90,
                                          places="0.000001")
    values["checkin_longitude"] = _decimal(data.get("checkin_longitude"), errors, "checkin_longitude", low=-180,
                                           high=180, places="0.000001")
    values["competitor_price"] = _decimal(data.get("competitor_price"), errors, "competitor_price", low=0,
                                          high=Decimal("9999999999"), places="0.01")
    raw_stock = data.get("stock_level")
    try:
        values["stock_level"] = None if raw_stock in (None, "") else int(raw_stock)
        if values["stock_level"] is not None and not 0 <= values["stock_level"] <= 10_000_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["stock_level"] = [_("库存数量需要是不小于 0 的整数。")]
    for key in ("pain_keywords", "key_demands"):
        values[key] = _tags(data.get(key), errors, key)
    for key, limit in TEXT_FIELDS.items():
        raw = data.get(key)
        if raw is not None and not isinstance(raw, str):
            errors[key] = [_("此项需要是文字。")]
        values[key] = clean_text(raw if isinstance(raw, str) else "")[:limit]
    values["focus_product_id"] = _active_id(Product, data.get("focus_product"), errors, "focus_product")
    values["objection_id"] = _active_id(ObjectionType, data.get("objection"), errors, "objection")
    done = data.get("previous_action_done")
    values["previous_action_done"] = done if isinstance(done, bool) else None
    if status == VisitStatus.RECORDED:
        if not values["pain_keywords"] and "pain_keywords" not in errors:
            errors["pain_keywords"] = [_("请填写客户痛点关键词。")]
        if not values["committed_action"]:
            errors["committed_action"] = [_("请填写本次承诺动作。")]
        if values["next_follow_up_at"] is None and "next_follow_up_at" not in errors:
            errors["next_follow_up_at"] = [_("请选择下次跟进时间。")]
    if errors:
        raise ValidationError(errors)
    if values["visited_at"] is None:
        values["visited_at"] = values["checked_in_at"]
    if status == VisitStatus.RECORDED and values["visited_at"] is None:
        values["visited_at"] = values["device_recorded_at"] or timezone.now()
    return values


# ---------------------------------------------------------------------------------------------------------
# Sync (V5)


def visits_sync(*, actor, items: list) -> list[SyncResult]:
    """Apply a batch of phone visits, each on its own (one bad visit never blocks the others)."""
    if not isinstance(items, list):
        raise ValidationError({"visits": [_("visits 需要是列表。")]})
    limit = setting("visits.sync_max_visits")
    if len(items) > limit:
        raise ValidationError({"visits": [_("一次最多同步 %(n)s 条拜访，请分批同步。") % {"n": limit}]})
    return [_sync_one(actor, item) for item in items]


def _client_id(item) -> str | None:
    try:
        return str(uuid.UUID(str(item.get("client_id"))))
    except (AttributeError, TypeError, ValueError):
        return None


def _sync_one(actor, item) -> SyncResult:
    client_id = _client_id(item)
    if client_id is None:
        return SyncResult(str(item.get("client_id", "")) if isinstance(item, dict) else "", "rejected",
                          errors={"client_id": [_("缺少有效的客户端编号（UUID）。")]})
    try:
        with transaction.atomic():
            return _apply(actor, client_id, item)
    except ValidationError as error:
        return SyncResult(client_id, "rejected", errors=error_dict(error))
    except IntegrityError:  # the same new visit arrived twice at once: the other request created it
        existing = Visit.objects.filter(client_id=client_id, owner=actor).first()
        if existing is None:
            return SyncResult(client_id, "rejected", errors={"client_id": [_("客户端编号已被占用。")]})
        return SyncResult(client_id, "unchanged", existing.pk, existing.version)


def _apply(actor, client_id: str, item: dict) -> SyncResult:
    customer = Customer.objects.visible_to(actor).filter(pk=_int(item.get("customer"))).first()
    if customer is None:
        raise ValidationError({"customer": [_("你已无权查看该客户（可能已移交他人或被合并），此拜访未同步，"
                                              "请在手机上修改客户或删除。")]})
    values = visit_values(item)
    now = timezone.now()
    visit = Visit.objects.select_for_update().filter(client_id=client_id).first()
    if visit is not None and visit.owner_id != actor.pk:
        raise ValidationError({"client_id": [_("客户端编号已被占用。")]})
    values["customer_id"] = customer.pk
    before_key = set() if visit is None else rollups.key_of(visit.owner_id, visit.visited_at)
    if visit is None:
        visit = Visit(client_id=client_id, owner=actor, created_at=now, updated_at=now, **values)
        _derive(visit, customer, now, previous=None)
        visit.save()
        changes = {"status": (None, visit.status)}
        outcome = "created"
    else:
        current = {key: getattr(visit, key) for key in values}
        if all(current[key] == value for key, value in values.items()):
            return SyncResult(client_id, "unchanged", visit.pk, visit.version)
        base = _int(item.get("version")) or 1
        if base < visit.version:
            return SyncResult(client_id, "conflict", visit.pk, visit.version,
                              errors={"version": [_("这条拜访已在别处修改（服务器版本 %(v)s），请核对后再提交。")
                                                  % {"v": visit.version}]})
        previous = {"status": visit.status, "recorded_at": visit.recorded_at}
        for key, value in values.items():
            setattr(visit, key, value)
        _derive(visit, customer, now, previous=previous)
        visit.version += 1
        visit.updated_at = now
        visit.save()
        changes = {key: (current[key], value) for key, value in values.items() if current[key] != value}
        outcome = "updated"
    _after_write(visit, actor=actor, changes=changes, created=outcome == "created")
    judged = visit_actions_refresh(customer_ids={visit.customer_id, *changes.get("customer_id", ())} - {None})
    visit_rollups_refresh(keys=before_key | rollups.key_of(visit.owner_id, visit.visited_at) | judged)
    return SyncResult(client_id, outcome, visit.pk, visit.version)


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _derive(visit: Visit, customer: Customer, now, *, previous: dict | None) -> None:
    """Check-in distance and flag (V3), the server's receipt time and a wrong phone clock (V4)."""
    if visit.checked_in_at is not None and visit.status != VisitStatus.PLANNED:
        visit.checkin_distance_m, visit.checkin_flag = _checkin(visit, customer)
    if visit.status == VisitStatus.RECORDED and (previous is None or previous["recorded_at"] is None):
        visit.recorded_at = now
    tolerance = timedelta(minutes=setting("visits.clock_tolerance_minutes"))
    visit.device_clock_off = bool(visit.device_recorded_at and visit.device_recorded_at > now + tolerance)
    visit.record_delay_s = (int((visit.recorded_at - visit.visited_at).total_seconds())
                            if visit.recorded_at and visit.visited_at else None)


def _checkin(visit: Visit, customer: Customer) -> tuple[int | None, str]:
    if visit.checkin_latitude is None or visit.checkin_longitude is None:
        return None, CheckInFlag.NO_POSITION
    if customer.latitude is None or customer.longitude is None:
        return None, CheckInFlag.NO_CUSTOMER_LOCATION
    distance = round(distance_m(visit.checkin_latitude, visit.checkin_longitude, customer.latitude,
                                customer.longitude))
    return distance, CheckInFlag.FAR if distance > setting("visits.checkin_radius_m") else CheckInFlag.OK


def _after_write(visit: Visit, *, actor, changes: dict, created: bool) -> None:
    """History, signals, points and the follow-up clock, in the visit's transaction."""
    audit_record(entity="visit", entity_id=visit.pk, action="created" if created else "updated", actor=actor,
                 changes=changes)
    if visit.status == VisitStatus.RECORDED:
        before = dict(VisitSignal.objects.filter(visit=visit).values_list("kind", "risk"))
        found = _signals_refresh(visit)
        _points_award(visit)
        event_emit(name="visit.recorded" if "status" in changes or created else "visit.updated", entity="visit",
                   entity_id=visit.pk, actor=actor,
                   payload={"customer": visit.customer_id, "signals": [f.kind for f in found],
                            "high_risk": [f.kind for f in found if f.risk == "high"],
                            **_rule_changes(changes, before, found)})
    _follow_up_clock(visit)


def signal_rules() -> tuple[SignalRule, ...]:
    """The company's active dictionary (sales ops edit it as rows)."""
    return tuple(SignalRule(kind=row.code, label=row.label, risk=row.risk, words=tuple(row.words))
                 for row in SignalKind.objects.filter(is_active=True))


def _signals_refresh(visit: Visit):
    found = extract(visit.notes, visit.pain_keywords, signal_rules())
    VisitSignal.objects.filter(visit=visit).delete()
    VisitSignal.objects.bulk_create([
        VisitSignal(visit=visit, customer_id=visit.customer_id, owner_id=visit.owner_id, kind=f.kind, label=f.label,
                    risk=f.risk, word=f.word[:40], snippet=f.snippet[:80], found_at=visit.visited_at)
        for f in found])
    return found


def _completed_fields(visit: Visit) -> set[str]:
    photo_kinds = set(visit.photos.values_list("kind", flat=True))
    done = {field for kind, field in PHOTO_POINTS.items() if kind in photo_kinds}
    if visit.competitor_price is not None:
        done.add(OptionalField.COMPETITOR_PRICE)
    if visit.stock_level is not None:
        done.add(OptionalField.STOCK_LEVEL)
    if len(visit.notes) >= setting("visits.notes_min_chars"):
        done.add(OptionalField.NOTES)
    if visit.recordings.exists():
        done.add(OptionalField.RECORDING)
    return done


def _points_award(visit: Visit) -> None:
    """Each completed optional field earns points once per visit (V1); the visit carries its total."""
    if visit.status != VisitStatus.RECORDED:
        return
    earned = dict(PointEntry.objects.filter(visit=visit).values_list("field", "points"))
    each, now = setting("visits.points_per_field"), timezone.now()
    new = sorted(_completed_fields(visit) - set(earned))
    PointEntry.objects.bulk_create([PointEntry(user_id=visit.owner_id, visit=visit, field=name, points=each,
                                               created_at=now) for name in new])
    total = sum(earned.values()) + each * len(new)
    if total != visit.points:
        Visit.objects.filter(pk=visit.pk).update(points=total)
        visit.points = total


def _follow_up_clock(visit: Visit) -> None:
    """下次跟进时间 is a timer that reminds the rep (V4); a changed time restarts it."""
    key = f"visit:{visit.pk}:follow_up"
    pending = visit.next_follow_up_at and visit.status == VisitStatus.RECORDED
    timer_cancel(key=key, note=_("跟进时间已修改"))
    if pending:
        timer_start(kind=FOLLOW_UP_TIMER, key=key, entity="visit", entity_id=visit.pk, due_at=visit.next_follow_up_at)


def follow_up_remind(timer) -> None:
    """Timer handler: the follow-up time has come; tell the rep (unless the customer was visited since)."""
    from django.urls import reverse

    from shangji.notify.services import notification_send

    visit = Visit.objects.select_related("customer", "owner").filter(pk=timer.entity_id).first()
    if visit is None or not visit.owner.is_active:
        return
    if Visit.objects.filter(customer=visit.customer, owner=visit.owner, status=VisitStatus.RECORDED,
                            visited_at__gt=visit.visited_at).exists():
        return
    notification_send(recipients=[visit.owner], title=_("跟进提醒：%(customer)s") % {"customer": visit.customer.name},
                      body=_("上次拜访承诺：%(action)s") % {"action": visit.committed_action},
                      link=reverse("customers:detail", args=[visit.customer_id]), entity="visit",
                      entity_id=visit.pk, source="visit_follow_up")


# ---------------------------------------------------------------------------------------------------------
# Photos (V2, V3)


def visit_photo_add(*, actor, visit: Visit, client_id: str, kind: str, data: bytes,
                    filename: str = "") -> tuple[VisitPhoto, bool]:
    """Store a photo of the rep's own visit with its EXIF facts and authenticity flags; (photo, created).
    The same `client_id` again returns the first photo (a retried upload)."""
    try:
        client_id = str(uuid.UUID(str(client_id)))
    except ValueError:
        raise ValidationError({"client_id": [_("缺少有效的客户端编号（UUID）。")]}) from None
    if visit.owner_id != actor.pk:  # a manager sees the visit but does not record it
        raise PermissionDenied(_("只能给自己的拜访上传照片。"))
    existing = VisitPhoto.objects.filter(client_id=client_id, visit=visit).first()
    if existing is not None:
        return existing, False
    if kind not in PhotoKind.values:
        raise ValidationError({"kind": [_("照片类型不正确。")]})
    info = photo_checks.read_image(data, max_bytes=setting("visits.photo_max_mb") * 1024 * 1024,
                                   max_pixels=setting("visits.photo_max_megapixels") * 1_000_000)
    customer = visit.customer
    lat = float(customer.latitude) if customer.latitude is not None else None
    lon = float(customer.longitude) if customer.longitude is not None else None
    # Judged against when the phone saved the record (the same clock that stamped the photo): a photo from the
    # visit is taken after the check-in and before the record is saved.
    moment = visit.device_recorded_at or visit.visited_at or timezone.now()
    flags = photo_checks.photo_flags(info, visit_at=moment, customer_lat=lat, customer_lon=lon,
                                     max_distance_m=setting("visits.photo_radius_m"),
                                     max_age_minutes=setting("visits.photo_max_age_minutes"))
    distance = (round(distance_m(info.latitude, info.longitude, lat, lon))
                if None not in (info.latitude, info.longitude, lat, lon) else None)
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[info.content_type]
    photo = VisitPhoto(client_id=client_id, visit=visit, kind=kind, content_type=info.content_type, size=len(data),
                       width=info.width, height=info.height, taken_at=info.taken_at, distance_m=distance,
                       latitude=_coordinate(info.latitude), longitude=_coordinate(info.longitude), flags=flags,
                       created_at=timezone.now())
    photo.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)

    def write() -> None:
        photo.save()
        audit_record(entity="visit", entity_id=visit.pk, action="photo_added", actor=actor,
                     changes={"photo": (None, f"{kind} {filename}"[:100])})
        _points_award(visit)
        visit_rollups_refresh(keys=rollups.key_of(visit.owner_id, visit.visited_at))

    return _attachment_store(photo, write)


def _attachment_store(row: VisitPhoto | VisitRecording, write) -> tuple[VisitPhoto | VisitRecording, bool]:
    """Run `write` (which saves `row`, a photo or recording whose file is stored already) in one transaction;
    (row, True). Nothing is half-written: when the row does not land its file goes too. The same client id arriving
    twice at once answers with the stored row (False); an id that belongs to another visit's file is refused."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        row.file.delete(save=False)
        stored = type(row).objects.filter(client_id=row.client_id, visit=row.visit).first()
        if stored is None:
            raise ValidationError({"client_id": [_("客户端编号已被占用。")]}) from None
        return stored, False
    except Exception:
        row.file.delete(save=False)
        raise
    return row, True


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


# ---------------------------------------------------------------------------------------------------------
# Rewards (V1): points buy what admins define


def points_balance(*, user) -> int:
    """What the rep can spend: everything earned minus everything redeemed."""
    from django.db.models import Sum

    return PointEntry.objects.filter(user=user).aggregate(total=Sum("points"))["total"] or 0


def reward_redeem(*, actor, reward) -> PointEntry:
    """Spend points on a reward: a negative ledger row, an audit row, and a notice to the rep's manager, who
    arranges the reward. The rep's user row is locked first, so two redemptions at once are applied one after
    the other and the second sees the first's spending (never an overdraft)."""
    from shangji.automation.actions import managers_above
    from shangji.notify.services import notification_send
    from shangji.org.models import User
    from shangji.visits.models import Reward

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).get()
        reward = Reward.objects.filter(pk=reward.pk).first()
        if reward is None or not reward.is_active:
            raise ValidationError({"reward": [_("该奖励已停止兑换，请刷新页面后选择其他奖励。")]})
        balance = points_balance(user=actor)
        if balance < reward.cost:
            raise ValidationError({"reward": [
                _("积分不足：兑换“%(reward)s”需要 %(cost)s 分，你现有 %(balance)s 分。")
                % {"reward": reward.name, "cost": reward.cost, "balance": balance}]})
        entry = PointEntry.objects.create(user=actor, reward=reward, points=-reward.cost, created_at=timezone.now())
        audit_record(entity="reward", entity_id=reward.pk, action="redeemed", actor=actor,
                     changes={"points_balance": (balance, balance - reward.cost)},
                     note=_("%(user)s 兑换“%(reward)s”") % {"user": actor.display_name, "reward": reward.name})
        event_emit(name="reward.redeemed", entity="reward", entity_id=reward.pk, actor=actor,
                   payload={"user": actor.pk, "cost": reward.cost, "entry": entry.pk})
        notification_send(
            recipients=managers_above(actor),
            title=_("积分兑换：%(user)s 兑换了“%(reward)s”") % {"user": actor.display_name, "reward": reward.name},
            body=_("消耗 %(cost)s 积分（剩余 %(left)s 分）。请安排兑现：%(description)s")
            % {"cost": reward.cost, "left": balance - reward.cost, "description": reward.description or reward.name},
            entity="reward", entity_id=reward.pk, source="visit_points", actor=actor)
    return entry


# ---------------------------------------------------------------------------------------------------------
# Vocabularies sales ops edit (V2 signal dictionary, V6 objections and talk tracks, V1 rewards)

SIGNAL_WORD_MAX_CHARS = 40  # VisitSignal.word keeps 40 characters
SIGNAL_WORDS_MAX = 200  # a bound on one entry's size, not a business rule
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _changes(row, values: dict) -> dict:
    return {key: (getattr(row, key), value) for key, value in values.items() if getattr(row, key) != value}


def _save_row(row, values: dict, *, entity: str, actor, created: bool):
    """Apply `values` to a locked (or new) row and write the audit rows of what changed."""
    changes = {key: (None, value) for key, value in values.items()} if created else _changes(row, values)
    if not changes:
        return row
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    audit_record(entity=entity, entity_id=row.pk, action="created" if created else "updated", actor=actor,
                 changes=changes)
    return row


def signal_words(raw) -> list[str]:
    """Trigger words from the editor: split on commas, 、, spaces or new lines; blanks and repeats dropped."""
    if isinstance(raw, str):
        raw = re.split(r"[,，、\s]+", raw)
    return list(dict.fromkeys(clean_text(word).strip() for word in raw or [] if clean_text(word).strip()))


def signal_kind_save(*, actor, kind: SignalKind | None, code: str, label: str, risk: str, words, is_active: bool,
                     sequence: int | None = None) -> SignalKind:
    """Create or change an entry of the signal dictionary (V2). The code names the signal in stored visit signals
    and rules, so it is fixed once created. New visits use the change at once: signal_rules() reads the rows."""
    from shangji.visits.choices import Risk

    errors: dict[str, list[str]] = {}
    label = clean_text(label or "").strip()
    words = signal_words(words)
    if kind is None:
        code = (code or "").strip()
        if not _CODE.match(code):
            errors["code"] = [_("代码须为 2–40 个小写英文字母、数字或下划线，以字母开头，如 stock_out。")]
        elif SignalKind.objects.filter(code=code).exists():
            errors["code"] = [_("代码“%(code)s”已被其他信号使用。") % {"code": code}]
    if not label:
        errors["label"] = [_("请填写信号名称。")]
    elif len(label) > 40:
        errors["label"] = [_("信号名称最多 40 个字。")]
    if risk not in Risk.values:
        errors["risk"] = [_("请选择风险等级。")]
    shortest = setting("visits.signal_word_min_chars")
    if not words:
        errors["words"] = [_("请至少填写一个触发词。")]
    elif len(words) > SIGNAL_WORDS_MAX:
        errors["words"] = [_("触发词最多 %(n)s 个。") % {"n": SIGNAL_WORDS_MAX}]
    else:
        bad = [word for word in words if not shortest <= len(word) <= SIGNAL_WORD_MAX_CHARS]
        if bad:
            errors["words"] = [_("触发词须为 %(low)s–%(high)s 个字：%(words)s。") % {
                "low": shortest, "high": SIGNAL_WORD_MAX_CHARS, "words": "、".join(bad[:5])}]
        else:
            try:
                SignalRule(kind=code or "x", label=label or "x", risk=risk if risk in Risk.values else "low",
                           words=tuple(words))
            except ValueError as error:
                errors["words"] = [str(error)]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        values = {"label": label, "risk": risk, "words": words, "is_active": bool(is_active)}
        if kind is None:
            last = SignalKind.objects.order_by("-sequence").values_list("sequence", flat=True).first()
            values.update(code=code, sequence=sequence if sequence is not None else (last or 0) + 1)
            return _save_row(SignalKind(), values, entity="signal_kind", actor=actor, created=True)
        kind = SignalKind.objects.select_for_update().get(pk=kind.pk)
        if sequence is not None:
            values["sequence"] = sequence
        return _save_row(kind, values, entity="signal_kind", actor=actor, created=False)


def _move(model, row, *, actor, offset: int, entity: str, within: dict | None = None):
    """Swap a row with its neighbour in `sequence` order (numbering the list 0, 1, 2 … first, so rows that
    share a number still move)."""
    with transaction.atomic():
        rows = list(model.objects.select_for_update().filter(**(within or {})).order_by("sequence", "id"))
        index = next((i for i, other in enumerate(rows) if other.pk == row.pk), None)
        target = None if index is None else index + (1 if offset > 0 else -1)
        if target is None or not 0 <= target < len(rows):
            return
        rows[index], rows[target] = rows[target], rows[index]
        for position, other in enumerate(rows):
            if other.sequence != position:
                model.objects.filter(pk=other.pk).update(sequence=position)
        audit_record(entity=entity, entity_id=row.pk, action="moved", actor=actor,
                     changes={"sequence": (index, target)})


def signal_kind_move(*, actor, kind: SignalKind, offset: int) -> None:
    _move(SignalKind, kind, actor=actor, offset=offset, entity="signal_kind")


def objection_save(*, actor, objection: ObjectionType | None, name: str, is_active: bool) -> ObjectionType:
    """Create, rename, switch on or off an objection type (V6). A switched-off type leaves the phone's pick list;
    visits that logged it keep it."""
    name = clean_text(name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写异议名称。")]})
    if len(name) > 40:
        raise ValidationError({"name": [_("异议名称最多 40 个字。")]})
    clash = ObjectionType.objects.filter(name=name).exclude(pk=getattr(objection, "pk", None))
    if clash.exists():
        raise ValidationError({"name": [_("已有名为“%(name)s”的异议。") % {"name": name}]})
    with transaction.atomic():
        values = {"name": name, "is_active": bool(is_active)}
        if objection is None:
            last = ObjectionType.objects.order_by("-sequence").values_list("sequence", flat=True).first()
            values["sequence"] = (last or 0) + 1
            return _save_row(ObjectionType(), values, entity="objection_type", actor=actor, created=True)
        objection = ObjectionType.objects.select_for_update().get(pk=objection.pk)
        return _save_row(objection, values, entity="objection_type", actor=actor, created=False)


def objection_move(*, actor, objection: ObjectionType, offset: int) -> None:
    _move(ObjectionType, objection, actor=actor, offset=offset, entity="objection_type")


def talk_track_save(*, actor, objection: ObjectionType, track=None, title: str, answer: str):
    """Add or change a standard answer to an objection (the talk-track library)."""
    from shangji.visits.models import TalkTrack

    title, answer = clean_text(title or "").strip(), clean_text(answer or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写话术标题。")]
    elif len(title) > 60:
        errors["title"] = [_("话术标题最多 60 个字。")]
    if not answer:
        errors["answer"] = [_("请填写话术内容。")]
    elif len(answer) > 2000:
        errors["answer"] = [_("话术内容最多 2000 个字。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if track is None:
            last = objection.talk_tracks.order_by("-sequence").values_list("sequence", flat=True).first()
            return _save_row(TalkTrack(objection=objection), {"title": title, "answer": answer,
                                                              "sequence": (last or 0) + 1},
                             entity="talk_track", actor=actor, created=True)
        track = TalkTrack.objects.select_for_update().get(pk=track.pk)
        return _save_row(track, {"title": title, "answer": answer}, entity="talk_track", actor=actor, created=False)


def talk_track_move(*, actor, track, offset: int) -> None:
    from shangji.visits.models import TalkTrack

    _move(TalkTrack, track, actor=actor, offset=offset, entity="talk_track", within={"objection": track.objection_id})


def talk_track_delete(*, actor, track) -> None:
    with transaction.atomic():
        audit_record(entity="talk_track", entity_id=track.pk, action="deleted", actor=actor,
                     changes={"title": (track.title, None)})
        track.delete()


def reward_save(*, actor, reward=None, name: str, description: str, cost, is_active: bool):
    """Create or change a reward points buy (V1). A switched-off reward can no longer be redeemed; redemptions
    already made keep it in the ledger."""
    from shangji.visits.models import Reward

    name, description = clean_text(name or "").strip(), clean_text(description or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("请填写奖励名称。")]
    elif len(name) > 60:
        errors["name"] = [_("奖励名称最多 60 个字。")]
    elif Reward.objects.filter(name=name).exclude(pk=getattr(reward, "pk", None)).exists():
        errors["name"] = [_("已有名为“%(name)s”的奖励。") % {"name": name}]
    if len(description) > 200:
        errors["description"] = [_("说明最多 200 个字。")]
    try:
        cost = int(cost)
        if not 1 <= cost <= 1_000_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["cost"] = [_("所需积分须为 1 到 1000000 之间的整数。")]
    if errors:
        raise ValidationError(errors)
    values = {"name": name, "description": description, "cost": cost, "is_active": bool(is_active)}
    with transaction.atomic():
        if reward is None:
            return _save_row(Reward(), values, entity="reward", actor=actor, created=True)
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        return _save_row(reward, values, entity="reward", actor=actor, created=False)


# ---------------------------------------------------------------------------------------------------------
# Key actions (V4)


def visit_actions_refresh(*, customer_ids) -> set[tuple]:
    """Mark each recorded visit's committed action done or not from the next recorded visit to the same customer
    (its 上次承诺已完成); a visit with no later visit stays pending (None). The whole chain of each customer is
    re-read, because an offline phone may deliver an earlier visit after a later one, or move a visit's time.
    Returns the rollup keys (rep, day) of the visits whose judgement changed."""
    changed: set[tuple] = set()
    for customer_id in customer_ids:
        chain = list(Visit.objects.filter(customer_id=customer_id, status=VisitStatus.RECORDED,
                                          visited_at__isnull=False)
                     .order_by("visited_at", "id").values_list("pk", "previous_action_done", "action_done",
                                                                "owner_id", "visited_at"))
        following = [*chain[1:], None] if chain else []  # no recorded visit left: nothing to judge
        for (pk, _done, stored, owner_id, visited_at), after in zip(chain, following, strict=True):
            wanted = None if after is None else after[1] is True
            if stored != wanted:
                Visit.objects.filter(pk=pk).update(action_done=wanted)
                changed |= rollups.key_of(owner_id, visited_at)
        # A visit that left the chain (cancelled, moved to another customer) is no longer judged.
        left = Visit.objects.filter(customer_id=customer_id, action_done__isnull=False).exclude(
            status=VisitStatus.RECORDED)
        for owner_id, visited_at in left.values_list("owner_id", "visited_at"):
            changed |= rollups.key_of(owner_id, visited_at)
        left.update(action_done=None)
    return changed


# ---------------------------------------------------------------------------------------------------------
# Automation (V2): what a visit event tells the rules


def _rule_changes(changes: dict, before: dict[str, str], found) -> dict:
    """The "changed" / "previous" of a visit event, so rules can say "变为" and "条件变为成立时": the fields the phone
    changed, plus the signals when the new note changed them (`before`: kind → risk of the signals it replaced)."""
    from shangji.core.services import changes_payload

    payload = changes_payload(changes)
    old_high = sorted(kind for kind, risk in before.items() if risk == "high")
    new_high = sorted(f.kind for f in found if f.risk == "high")
    previous = {}
    if sorted(before) != sorted(f.kind for f in found):
        previous["signals"] = sorted(before)
    if old_high != new_high:
        previous["high_risk_signals"] = old_high
    if bool(old_high) != bool(new_high):
        previous["has_high_risk_signal"] = bool(old_high)
    payload["changed"] = sorted({*payload["changed"], *previous})
    payload["previous"].update(previous)
    return payload


# ---------------------------------------------------------------------------------------------------------
# Weekly brief (V7)


def brief_send(*, rep, week_end, actor=None, now=None):
    """Build, store and announce `rep`'s 《我的客户洞察简报》 for the 7 days ending `week_end`; (brief, created).
    Once per rep and week: a second call returns the stored brief and sends nothing. `actor` is whoever asked
    (the rep's button); the schedule has none."""
    from django.urls import reverse

    from shangji.notify.services import notification_send
    from shangji.visits.brief import brief_period, brief_summary, build_brief
    from shangji.visits.models import WeeklyBrief

    now = now or timezone.now()
    week_start = brief_period(week_end=week_end, now=now).week_start
    existing = WeeklyBrief.objects.filter(rep=rep, week_start=week_start).first()
    if existing is not None:
        return existing, False
    sections = build_brief(rep, week_end=week_end, now=now)
    try:
        with transaction.atomic():
            brief = WeeklyBrief.objects.create(rep=rep, week_start=week_start, sections=sections, created_at=now)
            audit_record(entity="weekly_brief", entity_id=brief.pk, action="created", actor=actor,
                         changes={"week_start": (None, week_start.isoformat())})
            notification_send(
                recipients=[rep], title=_("我的客户洞察简报（%(start)s 至 %(end)s）")
                % {"start": week_start.isoformat(), "end": week_end.isoformat()},
                body=brief_summary(sections), link=reverse("visit_brief:detail", args=[brief.pk]),
                entity="weekly_brief", entity_id=brief.pk, source="visit_brief")
    except IntegrityError:  # the scheduled run and the rep's button at the same moment: the other one stored it
        return WeeklyBrief.objects.get(rep=rep, week_start=week_start), False
    return brief, True


def briefs_send_due(*, now=None) -> int:
    """The hourly check (V7): on the configured weekday, from the configured hour on (company time), every active
    rep without this week's brief gets it. Returns how many were sent."""
    from shangji.org.choices import Role
    from shangji.org.models import User
    from shangji.visits.brief import brief_period
    from shangji.visits.models import WeeklyBrief

    local = timezone.localtime(now or timezone.now())
    if local.isoweekday() != setting("visits.brief_weekday") or local.hour < setting("visits.brief_hour"):
        return 0
    week_end = local.date()
    week_start = brief_period(week_end=week_end, now=local).week_start
    done = WeeklyBrief.objects.filter(week_start=week_start).values_list("rep_id", flat=True)
    sent = 0
    for rep in User.objects.filter(role=Role.REP, is_active=True).exclude(pk__in=done).order_by("pk"):
        sent += brief_send(rep=rep, week_end=week_end, now=local)[1]
    return sent


# ---------------------------------------------------------------------------------------------------------
# Rollups of the manager's page (V2–V4)


def visit_rollups_refresh(*, keys) -> None:
    """Recompute the manager's page's rollups (VisitDay, VisitProblem) of each (rep id, company-time day) in `keys`
    from that rep's visits of the day, in the caller's transaction. Every write that changes what a visit counts
    for calls it: a sync (the visit's old and new day, and the earlier visits whose key action was judged again),
    a photo. Bulk loads call rollups.rebuild() instead."""
    rollups.refresh(keys)


# ---------------------------------------------------------------------------------------------------------
# Recordings (V2): what the customer said, in their words


def visit_recording_add(*, actor, visit: Visit, client_id: str, data: bytes, filename: str = "",
                        content_type: str = "") -> tuple[VisitRecording, bool]:
    """Store an audio recording of the rep's own visit; (recording, created). The format is judged from the bytes
    (`content_type` is what the phone declared, kept in the history only). The same `client_id` again returns the
    first recording (a retried upload); an id already used by another visit's recording is refused. A recording
    earns the "recording" optional field's points once per recorded visit. The manager's rollups do not count
    recordings, so they are not refreshed."""
    try:
        client_id = str(uuid.UUID(str(client_id)))
    except ValueError:
        raise ValidationError({"client_id": [_("缺少有效的客户端编号（UUID）。")]}) from None
    if visit.owner_id != actor.pk:
        raise PermissionDenied(_("只能给自己的拜访上传录音。"))
    existing = VisitRecording.objects.filter(client_id=client_id, visit=visit).first()
    if existing is not None:
        return existing, False
    info = audio.read_audio(data, max_bytes=setting("visits.audio_max_mb") * 1024 * 1024)
    recording = VisitRecording(client_id=client_id, visit=visit, content_type=info.content_type, size=len(data),
                               duration_s=info.duration_s, created_at=timezone.now())
    recording.file.save(f"{uuid.uuid4().hex}.{info.extension}", ContentFile(data), save=False)

    def write() -> None:
        # One writer per visit at a time: two recordings arriving together must not both award the points.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        recording.save()
        declared = f" ({content_type[:40]})" if content_type and content_type != info.content_type else ""
        audit_record(entity="visit", entity_id=visit.pk, action="recording_added", actor=actor,
                     changes={"recording": (None, f"{info.content_type} {filename}{declared}"[:100])})
        _points_award(locked)
        visit.points = locked.points

    return _attachment_store(recording, write)


def visits_move_customer(*, source: Customer, target: Customer) -> list[int]:
    """A customer merge (C3): the duplicate's visits and their signals follow the survivor, key actions are judged
    again along the survivor's joined chain and the rollups of the days concerned are recomputed. The moved ids."""
    moved = list(Visit.objects.filter(customer=source).values_list("pk", "owner_id", "visited_at"))
    if not moved:
        return []
    Visit.objects.filter(customer=source).update(customer=target)
    VisitSignal.objects.filter(customer=source).update(customer=target)
    judged = visit_actions_refresh(customer_ids={target.pk})
    keys = set().union(*(rollups.key_of(owner_id, visited_at) for _pk, owner_id, visited_at in moved))
    visit_rollups_refresh(keys=keys | judged)
    return [pk for pk, _owner, _at in moved]
