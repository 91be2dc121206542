"""Writes of field visits (V1–V5): the phone's sync of client-made visits, photos, signals and points.

A visit is made on the phone with its own id (`client_id`) and may reach the server many times (offline retries):
the same content again changes nothing; a change based on the version the phone last saw is applied; a change
based on an older version is a conflict the phone shows. Every accepted change is one transaction with its audit
row, event, signals, points and follow-up timer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
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
from shangji.visits import photos as photo_checks
from shangji.visits.choices import CheckInFlag, OptionalField, PhotoKind, VisitStatus
from shangji.visits.models import ObjectionType, PointEntry, SignalKind, Visit, VisitPhoto, VisitSignal
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
        found = _signals_refresh(visit)
        _points_award(visit)
        event_emit(name="visit.recorded" if "status" in changes or created else "visit.updated", entity="visit",
                   entity_id=visit.pk, actor=actor,
                   payload={"customer": visit.customer_id, "signals": [f.kind for f in found],
                            "high_risk": [f.kind for f in found if f.risk == "high"]})
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
    existing = VisitPhoto.objects.filter(client_id=client_id, visit=visit).first()
    if existing is not None:
        return existing, False
    if visit.owner_id != actor.pk:
        raise ValidationError({"visit": [_("只能给自己的拜访上传照片。")]})
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
    try:
        with transaction.atomic():
            photo.save()
            audit_record(entity="visit", entity_id=visit.pk, action="photo_added", actor=actor,
                         changes={"photo": (None, f"{kind} {filename}"[:100])})
            _points_award(visit)
    except IntegrityError:  # the same photo arrived twice at once, or the id belongs to another visit's photo
        photo.file.delete(save=False)
        stored = VisitPhoto.objects.filter(client_id=client_id, visit=visit).first()
        if stored is None:
            raise ValidationError({"client_id": [_("客户端编号已被占用。")]}) from None
        return stored, False
    except Exception:
        photo.file.delete(save=False)  # nothing half-written: no orphan file for a row that failed
        raise
    return photo, True


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))
