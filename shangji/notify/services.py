"""Writes of the notification center (A3): in-app rows, delivery rows for e-mail, group robots and webhooks,
the delivery attempts with their retries, and the configuration of robots and webhook subscriptions.

Every message that leaves the system is first a `Delivery` row written in the caller's transaction; a Huey
task per row sends it after commit, so one slow receiver never holds up another and nothing is lost when
a worker stops (the periodic sweep picks up due and abandoned rows).
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.events import batch_memo
from shangji.core.memo import config_cached
from shangji.core.models import Event
from shangji.core.registry import setting
from shangji.core.services import audit_record
from shangji.core.text import clean_text
from shangji.notify.channels import ROBOT_CHANNELS, DeliveryFailed, Mention
from shangji.notify.channels import email as email_channel
from shangji.notify.channels import webhook as webhook_channel
from shangji.notify.channels.base import absolute_link, mask_url, url_problem
from shangji.notify.choices import DeliveryChannel, DeliveryStatus, PreferenceChannel, RobotKind
from shangji.notify.models import ChannelPreference, Delivery, Notification, RobotChannel, WebhookSubscription
from shangji.org.models import OrgUnit, User

log = logging.getLogger(__name__)

SWEEP_BATCH = 500  # rows re-enqueued per sweep run; the next minute takes the rest
_EVENT_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")
MAX_EVENT_TYPES = 50


# ---------------------------------------------------------------------------------------------------------
# In-app notifications and their deliveries


def notification_send(*, recipients, title: str, body: str, link: str = "", entity: str = "",
                      entity_id: int | None = None, source: str = "", actor=None) -> list[Notification]:
    """A3: one inbox row per active recipient (duplicates dropped), then per the recipients' preferences an
    e-mail each and ONE message per group robot covering everyone routed to it (their mobiles mentioned).
    `recipients` are users or user ids. Sending starts after the caller's transaction commits.
    Inside notifications_buffered() nothing is written yet and the answer is []."""
    title = " ".join(clean_text(title).split())[:200]
    if not title:
        raise ValidationError({"title": [_("请填写通知标题。")]})
    message = _Message(_user_ids(recipients), title=title, body=clean_text(body)[:5000], link=_checked_link(link),
                       entity=clean_text(entity)[:40], entity_id=entity_id, source=clean_text(source)[:40])
    buffered = _buffer.get()
    if buffered is not None:
        buffered.append(message)
        return []
    # Validated before any write, so joining the caller's transaction needs no savepoint (two round trips saved
    # on the scan-to-rep path); a database error aborts the caller's transaction either way.
    with transaction.atomic(savepoint=False):
        return _notifications_write([message])


@dataclass
class _Message:
    recipient_ids: list[int]
    title: str
    body: str
    link: str
    entity: str
    entity_id: int | None
    source: str


_buffer: ContextVar[list[_Message] | None] = ContextVar("notifications_buffer", default=None)


@contextlib.contextmanager
def notifications_buffered() -> Iterator[None]:
    """Inside this block notification_send only collects its messages; leaving the block writes them all with
    one statement per table, and each group robot gets the block's messages together as digests (the worker's
    lead batches). Use it inside the transaction that must hold the rows."""
    if _buffer.get() is not None:
        yield
        return
    messages: list[_Message] = []
    token = _buffer.set(messages)
    try:
        yield
    finally:
        _buffer.reset(token)
    if messages:
        with transaction.atomic(savepoint=False):
            _notifications_write(messages)


def _notifications_write(messages: list[_Message]) -> list[Notification]:
    ids = {pk for message in messages for pk in message.recipient_ids}
    users = User.objects.filter(pk__in=ids, is_active=True).select_related("org_unit").in_bulk()
    now = timezone.now()
    batches = [[Notification(recipient=users[pk], title=m.title, body=m.body, link=m.link, entity=m.entity,
                             entity_id=m.entity_id, source=m.source, created_at=now)
                for pk in m.recipient_ids if pk in users] for m in messages]
    notifications = Notification.objects.bulk_create([n for batch in batches for n in batch])
    if not notifications:
        return []
    preferences = _preferences(list({n.recipient_id for n in notifications}))
    deliveries = _email_deliveries(notifications, preferences, now)
    deliveries += _robot_deliveries([batch for batch in batches if batch], preferences, now)
    created = Delivery.objects.bulk_create(deliveries)
    _enqueue_on_commit([delivery.pk for delivery in created])
    return notifications


def _user_ids(recipients) -> list[int]:
    """Unique ids in first-seen order, from users or ids (None and unknown values skipped)."""
    seen: dict[int, None] = {}
    for recipient in recipients or []:
        pk = getattr(recipient, "pk", recipient)
        if isinstance(pk, int) and not isinstance(pk, bool):
            seen.setdefault(pk, None)
        elif isinstance(pk, str) and pk.isdigit():
            seen.setdefault(int(pk), None)
    return list(seen)


def _checked_link(link: str) -> str:
    """Links are site paths: an outside URL in a notification would be a phishing link with our name on it."""
    link = clean_text(link)
    if not link:
        return ""
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > 500:
        raise ValidationError({"link": [_("通知链接必须是本站路径，如 /opportunities/12/。")]})
    return link


def _preferences(user_ids: list[int]) -> dict[tuple[int, str], bool]:
    return {(user_id, channel): enabled for user_id, channel, enabled in
            ChannelPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "channel", "enabled")}


def channel_enabled(preferences: dict[tuple[int, str], bool], user_id: int, channel: str) -> bool:
    default_key = "notify.email_default_on" if channel == PreferenceChannel.EMAIL else "notify.robot_default_on"
    return preferences.get((user_id, channel), setting(default_key))


def _email_deliveries(notifications: list[Notification], preferences, now) -> list[Delivery]:
    if not email_channel.is_configured():
        return []
    rows = []
    for notification in notifications:
        user = notification.recipient
        if not user.email or not channel_enabled(preferences, user.pk, PreferenceChannel.EMAIL):
            continue
        rows.append(Delivery(
            channel=DeliveryChannel.EMAIL, target=user.email, notification=notification,
            payload=email_channel.build_payload(to=user.email, title=notification.title, body=notification.body,
                                                link=notification.link),
            idempotency_key=f"notification-{notification.pk}-email", next_attempt_at=now, created_at=now))
    return rows


# Bytes of a digest's entries (the robots' limits are 2,048–4,096 bytes; the rest is the title and mentions).
ROBOT_DIGEST_BYTES = 1500


def _robot_deliveries(batches: list[list[Notification]], preferences, now) -> list[Delivery]:
    """Each notification_send call is one message to each robot its recipients route to (their mobiles
    mentioned). The calls of one buffered block (a worker's lead batch) reach a robot together, as few chat
    messages as fit (ROBOT_DIGEST_BYTES): group robots are rate limited (WeCom: 20 messages a minute per robot),
    and a burst of leads must not become a burst of chat messages."""
    robots = _active_robots()
    if not robots:
        return []
    rows = []
    for kind in RobotKind.values:
        per_robot: dict[int, list[list[Notification]]] = {}
        for batch in batches:
            groups: dict[int, list[Notification]] = {}
            for notification in batch:
                user = notification.recipient
                robot = _nearest_robot(robots, kind, user.org_unit)
                if robot is not None and channel_enabled(preferences, user.pk, kind):
                    groups.setdefault(robot.pk, []).append(notification)
            for robot_id, members in groups.items():
                per_robot.setdefault(robot_id, []).append(members)
        for robot_id, messages in per_robot.items():
            rows += [_robot_delivery(kind, robots[(kind, robot_id)], chunk, now) for chunk in _digests(messages)]
    return rows


def _digests(messages: list[list[Notification]]) -> list[list[list[Notification]]]:
    """Consecutive messages packed into chunks of at most ROBOT_DIGEST_BYTES (a longer message goes alone)."""
    chunks: list[list[list[Notification]]] = []
    size = 0
    for members in messages:
        entry = len(_digest_entry(members[0]).encode()) + 2
        if not chunks or size + entry > ROBOT_DIGEST_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(members)
        size += entry
    return chunks


def _digest_entry(notification: Notification) -> str:
    return "\n".join(part for part in (notification.title, notification.body, absolute_link(notification.link)) if part)


def _robot_delivery(kind: str, robot: RobotChannel, messages: list[list[Notification]], now) -> Delivery:
    first = messages[0][0]
    mentions = list(dict.fromkeys(Mention(n.recipient.display_name, n.recipient.phone)
                                  for members in messages for n in members))
    if len(messages) == 1:
        title, body, link = first.title, first.body, first.link
    else:
        title = _("%(count)s 条新通知") % {"count": len(messages)}
        body, link = "\n\n".join(_digest_entry(members[0]) for members in messages), ""
    return Delivery(channel=kind, target=mask_url(robot.webhook_url), notification=first, robot=robot,
                    payload=ROBOT_CHANNELS[kind].build_payload(title=title, body=body, link=link, mentions=mentions),
                    idempotency_key=f"notification-{first.pk}-robot-{robot.pk}", next_attempt_at=now, created_at=now)


@config_cached(RobotChannel)
def _active_robots() -> dict[tuple[str, int], RobotChannel]:
    """Active robots keyed twice: by (kind, robot id) and by (kind, "unit", org unit id)."""
    index: dict = {}
    for robot in RobotChannel.objects.filter(is_active=True):
        index[(robot.kind, robot.pk)] = robot
        index[(robot.kind, "unit", robot.org_unit_id)] = robot
    return index


def _nearest_robot(robots: dict, kind: str, unit: OrgUnit | None) -> RobotChannel | None:
    """The robot of this kind on the user's unit or, failing that, on the nearest ancestor unit."""
    if unit is None:
        return None
    for unit_id in reversed(unit.ancestor_ids()):
        robot = robots.get((kind, "unit", unit_id))
        if robot is not None:
            return robot
    return None


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor) -> Notification:
    if notification.recipient_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    """Returns how many notifications were unread."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preference_set(*, user, channel: str, enabled: bool) -> ChannelPreference:
    if channel not in PreferenceChannel.values:
        raise ValidationError({"channel": [_("未知的通知渠道。")]})
    preference, created = ChannelPreference.objects.get_or_create(user=user, channel=channel,
                                                                 defaults={"enabled": bool(enabled)})
    if not created and preference.enabled != bool(enabled):
        previous = preference.enabled
        preference.enabled = bool(enabled)
        preference.save(update_fields=["enabled"])
        audit_record(entity="user", entity_id=user.pk, action="notify_preference", actor=user,
                     changes={f"notify_{channel}": (previous, preference.enabled)})
    elif created:
        audit_record(entity="user", entity_id=user.pk, action="notify_preference", actor=user,
                     changes={f"notify_{channel}": (None, preference.enabled)})
    return preference


# ---------------------------------------------------------------------------------------------------------
# Webhooks


def webhook_send(*, subscription: WebhookSubscription, event_name: str, data: dict,
                 idempotency_key: str) -> Delivery:
    """Get-or-create the delivery for `idempotency_key` (a second call returns the first row, sends nothing)."""
    return _webhook_delivery(subscription=subscription, event_name=event_name, data=data,
                             idempotency_key=idempotency_key)


def _webhook_delivery(*, subscription: WebhookSubscription, event_name: str, data: dict, idempotency_key: str,
                      event: Event | None = None) -> Delivery:
    existing = Delivery.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    occurred_at = data.get("occurred_at") or now.isoformat()
    payload = webhook_channel.build_body(idempotency_key=idempotency_key, event_name=event_name,
                                         occurred_at=occurred_at, data=data)
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                channel=DeliveryChannel.WEBHOOK, target=mask_url(subscription.url), subscription=subscription,
                event=event, payload=payload, idempotency_key=idempotency_key, next_attempt_at=now, created_at=now)
    except IntegrityError:  # a concurrent call (another worker seeing the same event) wrote it first
        return Delivery.objects.get(idempotency_key=idempotency_key)
    _enqueue_on_commit([delivery.pk])
    return delivery


def webhooks_for_event(event: Event) -> None:
    """Outbox handler: every active subscription whose event types match gets one delivery per event.
    Idempotent — the key is fixed per (event, subscription), so a redelivered event adds nothing."""
    active = batch_memo("webhook_subscriptions", lambda: list(WebhookSubscription.objects.filter(is_active=True)))
    subscriptions = [s for s in active if s.matches(event.name)]
    if not subscriptions:
        return
    data = {"event": event.name, "entity": event.entity, "entity_id": event.entity_id,
            "occurred_at": event.created_at.isoformat(), "actor_id": event.actor_id, "payload": event.payload}
    for subscription in subscriptions:
        _webhook_delivery(subscription=subscription, event_name=event.name, data=data, event=event,
                          idempotency_key=f"event-{event.pk}-sub-{subscription.pk}")


# ---------------------------------------------------------------------------------------------------------
# Delivery attempts


def delivery_attempt(*, delivery_id: int) -> Delivery:
    """Claim the delivery (pending and due → sending), send it, record the outcome.

    Deliberately not one transaction: the claim is a conditional UPDATE committed before the network call
    (so two workers never send one delivery at once and no lock is held while a receiver is slow), and the
    outcome is a second UPDATE. Failures are retried with exponential backoff until the maximum attempts."""
    now = timezone.now()
    lease = timedelta(seconds=setting("notify.sending_lease_seconds"))
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease)
    delivery = Delivery.objects.select_related("robot", "subscription").get(pk=delivery_id)
    if not claimed:
        return delivery  # someone else is sending it, it is not due yet, or it is finished
    try:
        status_code = _send(delivery)
    except DeliveryFailed as failure:
        return _record_failure(delivery, failure.message, failure.status_code, permanent=failure.permanent)
    except Exception as error:  # a bug must not leave the row "sending" until its lease ends
        log.exception("delivery %s: unexpected error", delivery_id)
        return _record_failure(delivery, _("内部错误：%(error)s") % {"error": error}, None, permanent=False)
    outcome = {"status": DeliveryStatus.DELIVERED, "delivered_at": timezone.now(), "last_status_code": status_code,
               "last_error": ""}
    if Delivery.objects.filter(pk=delivery.pk, status__in=[DeliveryStatus.SENDING, DeliveryStatus.PENDING]).update(
            **outcome):
        for name, value in outcome.items():  # what was just written: no read back on the scan-to-rep path
            setattr(delivery, name, value)
    else:
        delivery.refresh_from_db()
    return delivery


def _send(delivery: Delivery) -> int | None:
    timeout = float(setting("notify.http_timeout_seconds"))
    if delivery.channel == DeliveryChannel.EMAIL:
        return email_channel.send(payload=delivery.payload, timeout=timeout,
                                  headers={"X-Shangji-Delivery": delivery.idempotency_key})
    if delivery.channel == DeliveryChannel.WEBHOOK:
        subscription = delivery.subscription
        if subscription is None or not subscription.is_active:
            raise DeliveryFailed(_("Webhook 订阅已停用，不再发送。"), permanent=True)
        return webhook_channel.send(url=subscription.url, secret=subscription.secret, payload=delivery.payload,
                                    timeout=timeout)
    robot = delivery.robot
    if robot is None or not robot.is_active:
        raise DeliveryFailed(_("群机器人已停用，不再发送。"), permanent=True)
    return ROBOT_CHANNELS[delivery.channel].send(url=robot.webhook_url, secret=robot.secret,
                                                 payload=delivery.payload, timeout=timeout)


def retry_delay_seconds(attempts: int) -> int:
    """Backoff after the `attempts`-th failure: base × 2^(attempts-1)."""
    return setting("notify.retry_base_seconds") * 2 ** max(attempts - 1, 0)


def _record_failure(delivery: Delivery, message: str, status_code: int | None, *, permanent: bool) -> Delivery:
    now = timezone.now()
    gives_up = permanent or delivery.attempts >= setting("notify.max_attempts")
    delay = 0 if gives_up else retry_delay_seconds(delivery.attempts)
    # Only the attempt that holds the claim records its outcome (not one whose lease was reclaimed).
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts).update(
        status=DeliveryStatus.FAILED if gives_up else DeliveryStatus.PENDING, last_error=message[:1000],
        last_status_code=status_code, next_attempt_at=now + timedelta(seconds=delay))
    delivery.refresh_from_db()
    if delivery.status == DeliveryStatus.PENDING:
        _enqueue_on_commit([delivery.pk], delay=delay)
    return delivery


def deliveries_reclaim_stale() -> int:
    """Rows left "sending" past their lease (a killed worker) become due again, or failed when out of attempts."""
    now = timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lt=now)
    message = _("发送中断（工作进程停止）。")
    failed = stale.filter(attempts__gte=setting("notify.max_attempts")).update(
        status=DeliveryStatus.FAILED, last_error=message)
    return failed + stale.update(status=DeliveryStatus.PENDING, next_attempt_at=now, last_error=message)


def deliveries_due(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of pending deliveries whose time has come (their own task may have been lost)."""
    return list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor) -> Delivery:
    """The retry button: a failed delivery becomes pending and due now, with a fresh round of attempts.
    The idempotency key stays, so a receiver that did get an earlier attempt can drop this one."""
    _require_configure(actor)
    updated = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
    if not updated:
        raise ValidationError({"status": [_("只有失败的投递可以重试。")]})
    audit_record(entity="delivery", entity_id=delivery.pk, action="retried", actor=actor,
                 changes={"status": (DeliveryStatus.FAILED.value, DeliveryStatus.PENDING.value)},
                 note=delivery.last_error[:500])
    _enqueue_on_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def _enqueue_on_commit(delivery_ids: list[int], *, delay: int = 0) -> None:
    if not delivery_ids:
        return

    def enqueue() -> None:
        from shangji.notify.tasks import deliver

        for pk in delivery_ids:
            if delay:
                deliver.schedule(args=(pk,), delay=delay)
            else:
                deliver(pk)

    transaction.on_commit(enqueue, robust=True)


# ---------------------------------------------------------------------------------------------------------
# Configuration: group robots and webhook subscriptions (sales ops and admins, audited)


def _require_configure(actor) -> None:
    if actor is None or not getattr(actor, "can_configure", False):
        raise PermissionDenied


def _name(value: str) -> str:
    name = clean_text(value)
    if not name:
        raise ValidationError({"name": [_("请填写名称。")]})
    if len(name) > 60:
        raise ValidationError({"name": [_("名称不能超过 60 个字。")]})
    return name


def _url(value: str, field: str) -> str:
    url = clean_text(value)
    if len(url) > 500:
        raise ValidationError({field: [_("地址不能超过 500 个字符。")]})
    problem = url_problem(url)
    if problem:
        raise ValidationError({field: [problem]})
    return url


def _secret(value: str, *, required: bool) -> str:
    secret = clean_text(value)
    if required and len(secret) < 16:
        raise ValidationError({"secret": [_("签名密钥至少 16 个字符。")]})
    if len(secret) > 200:
        raise ValidationError({"secret": [_("签名密钥不能超过 200 个字符。")]})
    return secret


def _kind(value: str) -> str:
    if value not in RobotKind.values:
        raise ValidationError({"kind": [_("请选择企业微信、钉钉或飞书。")]})
    return value


def _check_one_active(*, kind: str, org_unit: OrgUnit, exclude_pk: int | None) -> None:
    clash = RobotChannel.objects.filter(is_active=True, kind=kind, org_unit=org_unit).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise ValidationError({"org_unit": [
            _("“%(unit)s”已有启用的%(kind)s机器人“%(name)s”，请先停用它。")
            % {"unit": org_unit.name, "kind": clash.get_kind_display(), "name": clash.name}]})


def _masked_changes(changes: dict, secret_fields: set[str]) -> dict:
    """Audit rows say that a secret changed, never what it is."""
    hidden = _("（已隐藏）")
    return {field: ((hidden, hidden) if field in secret_fields else pair) for field, pair in changes.items()}


@transaction.atomic
def robot_channel_create(*, actor, name: str, kind: str, webhook_url: str, org_unit: OrgUnit,
                         secret: str = "") -> RobotChannel:
    _require_configure(actor)
    fields = {"name": _name(name), "kind": _kind(kind), "webhook_url": _url(webhook_url, "webhook_url"),
              "secret": _secret(secret, required=False)}
    if org_unit is None:
        raise ValidationError({"org_unit": [_("请选择适用的组织。")]})
    _check_one_active(kind=fields["kind"], org_unit=org_unit, exclude_pk=None)
    robot = RobotChannel.objects.create(org_unit=org_unit, created_by=actor, created_at=timezone.now(), **fields)
    audit_record(entity="robot_channel", entity_id=robot.pk, action="created", actor=actor,
                 changes={"name": (None, robot.name), "kind": (None, robot.kind), "org_unit": (None, org_unit.pk)})
    return robot


@transaction.atomic
def robot_channel_update(*, robot: RobotChannel, actor, name: str | None = None, kind: str | None = None,
                         webhook_url: str | None = None, secret: str | None = None, org_unit: OrgUnit | None = None,
                         is_active: bool | None = None) -> RobotChannel:
    """Fields left None stay as they are; `secret=""` removes the signing secret."""
    _require_configure(actor)
    robot = RobotChannel.objects.select_for_update().get(pk=robot.pk)
    wanted = {}
    if name is not None:
        wanted["name"] = _name(name)
    if kind is not None:
        wanted["kind"] = _kind(kind)
    if webhook_url is not None:
        wanted["webhook_url"] = _url(webhook_url, "webhook_url")
    if secret is not None:
        wanted["secret"] = _secret(secret, required=False)
    if org_unit is not None:
        wanted["org_unit"] = org_unit
    if is_active is not None:
        wanted["is_active"] = bool(is_active)
    changes = {field: (getattr(robot, field), value) for field, value in wanted.items()
               if getattr(robot, field) != value}
    if not changes:
        return robot
    for field, (_old, value) in changes.items():
        setattr(robot, field, value)
    if robot.is_active:
        _check_one_active(kind=robot.kind, org_unit=robot.org_unit, exclude_pk=robot.pk)
    robot.save(update_fields=list(changes))
    audit_record(entity="robot_channel", entity_id=robot.pk, action="updated", actor=actor,
                 changes=_masked_changes(changes, {"secret", "webhook_url"}))
    return robot


def robot_channel_deactivate(*, robot: RobotChannel, actor) -> RobotChannel:
    return robot_channel_update(robot=robot, actor=actor, is_active=False)


@transaction.atomic
def robot_channel_test(*, robot: RobotChannel, actor) -> Delivery:
    """The "发送测试消息" button: one message through this robot, logged like any other delivery."""
    _require_configure(actor)
    now = timezone.now()
    mentions = [Mention(actor.display_name, actor.phone)]
    payload = ROBOT_CHANNELS[robot.kind].build_payload(
        title=_("商机系统测试消息"), link="/notifications/", mentions=mentions,
        body=_("这是一条测试消息：群机器人“%(name)s”配置正确。") % {"name": robot.name})
    delivery = Delivery.objects.create(
        channel=robot.kind, target=mask_url(robot.webhook_url), robot=robot, payload=payload,
        idempotency_key=f"test-robot-{robot.pk}-{uuid.uuid4().hex}", next_attempt_at=now, created_at=now)
    audit_record(entity="robot_channel", entity_id=robot.pk, action="test_sent", actor=actor)
    _enqueue_on_commit([delivery.pk])
    return delivery


def parse_event_types(value) -> list[str]:
    """A list, or text separated by commas/spaces/new lines → unique event names; raises ValidationError."""
    items = re.split(r"[\s,，;；]+", value) if isinstance(value, str) else list(value or [])
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError({"event_types": [_("事件名必须是文本。")]})
        item = item.strip()
        if not item:
            continue
        if not _EVENT_PATTERN.match(item) or len(item) > 60:
            raise ValidationError({"event_types": [
                _("“%(name)s”不是有效的事件名，应如 opportunity.stage_changed、opportunity.* 或 *。")
                % {"name": item[:60]}]})
        if item not in names:
            names.append(item)
    if not names:
        raise ValidationError({"event_types": [_("请至少订阅一个事件（* 表示全部）。")]})
    if len(names) > MAX_EVENT_TYPES:
        raise ValidationError({"event_types": [_("最多订阅 %(n)s 个事件。") % {"n": MAX_EVENT_TYPES}]})
    return names


@transaction.atomic
def webhook_subscription_create(*, actor, name: str, url: str, secret: str, event_types) -> WebhookSubscription:
    _require_configure(actor)
    subscription = WebhookSubscription.objects.create(
        name=_name(name), url=_url(url, "url"), secret=_secret(secret, required=True),
        event_types=parse_event_types(event_types), created_by=actor, created_at=timezone.now())
    audit_record(entity="webhook_subscription", entity_id=subscription.pk, action="created", actor=actor,
                 changes={"name": (None, subscription.name), "event_types": (None, subscription.event_types)})
    return subscription


@transaction.atomic
def webhook_subscription_update(*, subscription: WebhookSubscription, actor, name: str | None = None,
                                url: str | None = None, secret: str | None = None, event_types=None,
                                is_active: bool | None = None) -> WebhookSubscription:
    """Fields left None stay as they are (a blank secret on the page means "keep")."""
    _require_configure(actor)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    wanted: dict = {}
    if name is not None:
        wanted["name"] = _name(name)
    if url is not None:
        wanted["url"] = _url(url, "url")
    if secret is not None:
        wanted["secret"] = _secret(secret, required=True)
    if event_types is not None:
        wanted["event_types"] = parse_event_types(event_types)
    if is_active is not None:
        wanted["is_active"] = bool(is_active)
    changes = {field: (getattr(subscription, field), value) for field, value in wanted.items()
               if getattr(subscription, field) != value}
    if not changes:
        return subscription
    for field, (_old, value) in changes.items():
        setattr(subscription, field, value)
    subscription.save(update_fields=list(changes))
    audit_record(entity="webhook_subscription", entity_id=subscription.pk, action="updated", actor=actor,
                 changes=_masked_changes(changes, {"secret"}))
    return subscription


def webhook_subscription_deactivate(*, subscription: WebhookSubscription, actor) -> WebhookSubscription:
    return webhook_subscription_update(subscription=subscription, actor=actor, is_active=False)


@transaction.atomic
def webhook_subscription_test(*, subscription: WebhookSubscription, actor) -> Delivery:
    """The "发送测试消息" button: a signed `webhook.test` delivery to this subscription."""
    _require_configure(actor)
    now = timezone.now()
    message = _("这是一条测试消息：Webhook 订阅“%(name)s”配置正确。") % {"name": subscription.name}
    data = {"event": "webhook.test", "entity": "webhook_subscription", "entity_id": subscription.pk,
            "occurred_at": now.isoformat(), "actor_id": actor.pk, "payload": {"message": message}}
    delivery = webhook_send(subscription=subscription, event_name="webhook.test", data=data,
                            idempotency_key=f"test-sub-{subscription.pk}-{uuid.uuid4().hex}")
    audit_record(entity="webhook_subscription", entity_id=subscription.pk, action="test_sent", actor=actor)
    return delivery
