"""Notifications leave the system through delivery rows: group robots, webhooks and e-mail, against local
receivers on 127.0.0.1 that check the exact payloads and signatures; retries, timeouts and idempotency."""

import base64
import email
import email.policy
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shangji.conftest import make_opportunity
from shangji.core import events
from shangji.core.models import AuditEntry
from shangji.core.services import event_emit, setting_update
from shangji.notify import services, tasks
from shangji.notify.choices import DeliveryStatus
from shangji.notify.models import Delivery, Notification
from shangji.org.models import User

pytestmark = pytest.mark.django_db
WECOM_OK = {"errcode": 0, "errmsg": "ok"}


def give(user, **fields):
    User.objects.filter(pk=user.pk).update(**fields)
    for name, value in fields.items():
        setattr(user, name, value)
    return user


def robot(actors, kind, receiver, *, unit=None, secret="", query="key=0123456789abcdef0123"):
    return services.robot_channel_create(actor=actors.sales_ops, name=f"{kind}群", kind=kind, secret=secret,
                                         webhook_url=receiver.url(query), org_unit=unit or actors.team)


def send(captured, **fields):
    with captured(execute=True):
        return services.notification_send(**({"title": "商机停滞提醒", "body": "MES 一期已 95 天未推进",
                                              "link": "/opportunities/7/"} | fields))


def subscribe(actors, receiver, event_types=("*",), name="ERP"):
    return services.webhook_subscription_create(actor=actors.admin, name=name, url=receiver.url(),
                                                secret="whsec-0123456789abcdef", event_types=list(event_types))


def make_due():
    Delivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_each_recipient_gets_one_inbox_row_and_inactive_users_none(actors, django_capture_on_commit_callbacks):
    give(actors.other_rep, is_active=False)
    rows = send(django_capture_on_commit_callbacks,
                recipients=[actors.rep, actors.rep.pk, actors.teammate, actors.other_rep, None], source="rule:12",
                entity="opportunity", entity_id=7)
    assert [n.recipient_id for n in rows] == [actors.rep.pk, actors.teammate.pk]
    stored = Notification.objects.get(recipient=actors.rep)
    assert (stored.title, stored.link, stored.source, stored.entity, stored.entity_id, stored.read_at) == (
        "商机停滞提醒", "/opportunities/7/", "rule:12", "opportunity", 7, None)
    assert not Notification.objects.filter(recipient=actors.other_rep).exists()


@pytest.mark.parametrize("fields, field", [({"title": "  "}, "title"), ({"link": "https://evil.example/x"}, "link"),
                                           ({"link": "//evil.example/x"}, "link")])
def test_bad_input_is_refused_and_nothing_is_written(actors, django_capture_on_commit_callbacks, fields, field):
    with pytest.raises(ValidationError) as error:
        send(django_capture_on_commit_callbacks, recipients=[actors.rep], **fields)
    assert field in error.value.message_dict
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_one_wecom_message_covers_the_team_and_mentions_their_mobiles(actors, receiver,
                                                                        django_capture_on_commit_callbacks):
    give(actors.rep, phone="13800000001")
    give(actors.teammate, phone="13800000002")
    wecom = receiver(answer=WECOM_OK)
    robot(actors, "wecom", wecom)
    send(django_capture_on_commit_callbacks, recipients=[actors.rep, actors.teammate])
    assert len(wecom.received) == 1
    request = wecom.received[0]
    assert request.query == {"key": "0123456789abcdef0123"}
    assert request.json == {"msgtype": "text", "text": {
        "content": "商机停滞提醒\nMES 一期已 95 天未推进\n/opportunities/7/\n接收人：张伟、王芳",
        "mentioned_mobile_list": ["13800000001", "13800000002"]}}
    delivery = Delivery.objects.get(channel="wecom")
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert "0123456789abcdef0123" not in delivery.target  # the key is a credential: masked in the log


def test_messages_written_together_reach_a_robot_as_digests_that_fit_its_limit(actors, receiver,
                                                                               django_capture_on_commit_callbacks):
    give(actors.rep, phone="13800000001")
    give(actors.teammate, phone="13800000002")
    wecom = receiver(answer=WECOM_OK)
    robot(actors, "wecom", wecom)
    with django_capture_on_commit_callbacks(execute=True), services.notifications_buffered():
        for number in range(40):  # a worker's batch of leads: one message each, to one team's robot
            services.notification_send(recipients=[actors.rep if number % 2 else actors.teammate],
                                       title=f"新线索：线索{number:02d}（80 分）", body="评分 80：+18 行业匹配\n" * 4,
                                       link=f"/leads/{number}/")
    assert Notification.objects.count() == 40  # every recipient's inbox row as before
    contents = [request.json["text"]["content"] for request in wecom.received]
    assert 1 < len(contents) < 40
    assert all(len(content.encode()) <= 2048 for content in contents)
    named = [number for number in range(40) for content in contents if f"线索{number:02d}" in content]
    assert named == list(range(40))  # each message in exactly one digest, in order
    assert contents[0].startswith("9 条新通知\n新线索：线索00（80 分）\n评分 80")
    assert all(sorted(request.json["text"]["mentioned_mobile_list"]) == ["13800000001", "13800000002"]
               for request in wecom.received)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_the_robot_of_the_nearest_org_unit_wins(actors, receiver, django_capture_on_commit_callbacks):
    region, team = receiver(answer=WECOM_OK), receiver(answer=WECOM_OK)
    robot(actors, "wecom", region, unit=actors.east)
    robot(actors, "wecom", team, unit=actors.team)
    send(django_capture_on_commit_callbacks, recipients=[actors.rep, actors.regional_manager, actors.other_rep])
    assert [r.json["markdown"]["content"].split("接收人：")[1] for r in team.received] == ["张伟"]
    assert [r.json["markdown"]["content"].split("接收人：")[1] for r in region.received] == ["陈静"]
    assert Delivery.objects.count() == 2  # 李娜 (south) has no robot


def test_a_signed_dingtalk_robot_gets_timestamp_and_sign_in_the_url(actors, receiver,
                                                                     django_capture_on_commit_callbacks):
    give(actors.rep, phone="13800000001")
    secret = "SEC" + "a1b2c3d4" * 8
    ding = receiver(answer={"errcode": 0, "errmsg": "ok"}, path="/robot/send")
    robot(actors, "dingtalk", ding, secret=secret, query="access_token=tok0123456789abcdef")
    before = int(time.time() * 1000)
    send(django_capture_on_commit_callbacks, recipients=[actors.rep])
    request = ding.received[0]
    timestamp = int(request.query["timestamp"])
    assert before <= timestamp <= int(time.time() * 1000)
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    # parse_qs decoded the query: an unencoded "+" or "/" in the Base64 would not survive the round trip
    assert request.query["sign"] == expected and request.query["access_token"] == "tok0123456789abcdef"
    body = request.json
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "商机停滞提醒"
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert body["markdown"]["text"].endswith("@13800000001")
    assert Delivery.objects.get().status == "delivered"


def test_a_signed_feishu_bot_gets_timestamp_and_sign_in_the_body(actors, receiver, django_capture_on_commit_callbacks):
    secret = "feishu-secret-0123456789"
    bot = receiver(answer={"code": 0, "msg": "success", "data": {}})
    robot(actors, "feishu", bot, secret=secret, query="")
    before = int(time.time())
    send(django_capture_on_commit_callbacks, recipients=[actors.rep])
    body = bot.received[0].json
    timestamp = int(body["timestamp"])
    assert before <= timestamp <= int(time.time())
    key = f"{timestamp}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": "商机停滞提醒\nMES 一期已 95 天未推进\n/opportunities/7/\n接收人：张伟"}
    assert Delivery.objects.get().status == "delivered"


@pytest.mark.parametrize("kind, answer, words", [
    ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, ["310000", "sign not match"]),
    ("feishu", {"code": 19021, "msg": "sign match fail"}, ["19021", "sign match fail"]),
    ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, ["93000"]),
])
def test_an_error_code_in_a_200_answer_is_a_failure_with_a_readable_error(actors, receiver, kind, answer, words,
                                                                          django_capture_on_commit_callbacks):
    robot(actors, kind, receiver(answer=answer))
    send(django_capture_on_commit_callbacks, recipients=[actors.rep])
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 200
    assert all(word in delivery.last_error for word in words)


def test_a_matching_webhook_gets_the_event_signed_and_only_once(actors, receiver, django_capture_on_commit_callbacks):
    erp, other, off = receiver(), receiver(), receiver()
    subscription = subscribe(actors, erp, ["opportunity.stage_changed", "customer.*"])
    subscribe(actors, other, ["lead.created"], name="营销")
    services.webhook_subscription_deactivate(subscription=subscribe(actors, off, name="旧系统"), actor=actors.admin)
    event = event_emit(name="opportunity.stage_changed", entity="opportunity", entity_id=42, actor=actors.rep,
                       payload={"from": 1, "to": 2})
    with django_capture_on_commit_callbacks(execute=True):
        services.webhooks_for_event(event)
        services.webhooks_for_event(event)  # the outbox may deliver an event twice
    assert len(erp.received) == 1 and not other.received and not off.received
    request = erp.received[0]
    key = f"event-{event.pk}-sub-{subscription.pk}"
    occurred_at = event.created_at.isoformat()
    assert request.json == {"id": key, "event": "opportunity.stage_changed", "occurred_at": occurred_at,
                            "data": {"event": "opportunity.stage_changed", "entity": "opportunity", "entity_id": 42,
                                     "occurred_at": occurred_at, "actor_id": actors.rep.pk,
                                     "payload": {"from": 1, "to": 2}}}
    headers = request.headers
    assert headers["Idempotency-Key"] == key and headers["X-Shangji-Event"] == "opportunity.stage_changed"
    assert abs(int(headers["X-Shangji-Timestamp"]) - time.time()) < 5
    expected = hmac.new(b"whsec-0123456789abcdef", f"{headers['X-Shangji-Timestamp']}.".encode() + request.body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Shangji-Signature"] == f"sha256={expected}"
    delivery = Delivery.objects.get()
    assert (delivery.event_id, delivery.subscription_id, delivery.status) == (event.pk, subscription.pk, "delivered")


def test_the_outbox_dispatcher_hands_business_events_to_the_webhooks(actors, receiver, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    assert services.webhooks_for_event in events._handlers  # registered in NotifyConfig.ready()
    monkeypatch.setattr(events, "_handlers", [services.webhooks_for_event])  # only ours, not other apps' rules
    erp = receiver()
    subscribe(actors, erp, ["opportunity.created"])
    make_opportunity(actors.rep)
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch_pending()
    assert [r.json["event"] for r in erp.received] == ["opportunity.created"]


def test_calling_webhook_send_twice_with_one_key_sends_once(actors, receiver, django_capture_on_commit_callbacks):
    erp = receiver()
    subscription = subscribe(actors, erp)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.webhook_send(subscription=subscription, event_name="quote.approved", data={"id": 5},
                                      idempotency_key="quote-5-approved")
        second = services.webhook_send(subscription=subscription, event_name="quote.approved", data={"id": 5},
                                       idempotency_key="quote-5-approved")
    assert first.pk == second.pk and len(erp.received) == 1


def test_failing_and_slow_receivers_are_retried_then_failed_while_a_healthy_one_is_delivered(
        actors, receiver, django_capture_on_commit_callbacks):
    setting_update(key="notify.max_attempts", raw_value=3, actor=actors.admin)
    setting_update(key="notify.http_timeout_seconds", raw_value="0.5", actor=actors.admin)
    broken, slow, healthy = receiver(status=500, answer={"error": "db down"}), receiver(delay=3), receiver()
    for name, target in (("坏", broken), ("慢", slow), ("好", healthy)):
        subscribe(actors, target, name=name)
    event = event_emit(name="customer.created", entity="customer", entity_id=1, actor=actors.rep)
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        services.webhooks_for_event(event)
    finished = timezone.now()
    by_name = {d.subscription.name: d for d in Delivery.objects.select_related("subscription")}
    assert by_name["好"].status == "delivered" and len(healthy.received) == 1
    for attempt in (1, 2, 3):
        broken_row, slow_row = (Delivery.objects.get(pk=by_name[n].pk) for n in ("坏", "慢"))
        assert broken_row.attempts == slow_row.attempts == attempt
        assert broken_row.last_status_code == 500 and "HTTP 500" in broken_row.last_error and "db down" in \
            broken_row.last_error
        assert "超时" in slow_row.last_error
        if attempt < 3:
            assert broken_row.status == slow_row.status == "pending"
            backoff = timedelta(seconds=10 * 2 ** (attempt - 1))  # 10 s, then 20 s
            for row in (broken_row, slow_row):
                assert started + backoff <= row.next_attempt_at <= finished + backoff
            make_due()
            started = timezone.now()
            with django_capture_on_commit_callbacks(execute=True):
                assert tasks.sweep_deliveries.call_local() == 2
            finished = timezone.now()
        else:
            assert broken_row.status == slow_row.status == "failed"
    assert len(broken.received) == 3 and len(slow.received) == 3 and len(healthy.received) == 1
    keys = {r.headers["Idempotency-Key"] for r in broken.received} | {r.json["id"] for r in broken.received}
    assert keys == {by_name["坏"].idempotency_key}  # stable across retries
    make_due()
    assert tasks.sweep_deliveries.call_local() == 0  # failed rows wait for a person


def test_a_delivery_claimed_by_another_worker_or_not_yet_due_is_not_sent(actors, receiver):
    erp = receiver()
    delivery = services.webhook_send(subscription=subscribe(actors, erp), event_name="x.y", data={},
                                     idempotency_key="k-1")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING,
                                                   next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "sending"
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING,
                                                   next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.delivery_attempt(delivery_id=delivery.pk).attempts == 0
    assert not erp.received


def test_the_sweep_reclaims_a_delivery_left_sending_by_a_killed_worker(actors, receiver,
                                                                        django_capture_on_commit_callbacks):
    erp = receiver()
    subscription = subscribe(actors, erp)
    abandoned, leased, exhausted = (services.webhook_send(subscription=subscription, event_name="x.y", data={},
                                                          idempotency_key=f"k-{n}") for n in range(3))
    now = timezone.now()
    Delivery.objects.filter(pk__in=[abandoned.pk, exhausted.pk]).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=now - timedelta(seconds=1))
    Delivery.objects.filter(pk=exhausted.pk).update(attempts=6)
    Delivery.objects.filter(pk=leased.pk).update(status=DeliveryStatus.SENDING, attempts=1,
                                                 next_attempt_at=now + timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_deliveries.call_local()
    statuses = dict(Delivery.objects.values_list("idempotency_key", "status"))
    assert statuses == {"k-0": "delivered", "k-1": "sending", "k-2": "failed"}
    assert Delivery.objects.get(pk=abandoned.pk).attempts == 2
    assert [r.headers["Idempotency-Key"] for r in erp.received] == ["k-0"]


def test_a_robot_switched_off_before_sending_fails_at_once(actors, receiver):
    bot = receiver(answer=WECOM_OK)
    channel = robot(actors, "wecom", bot)
    services.notification_send(recipients=[actors.rep], title="提醒", body="")  # not committed: not sent yet
    services.robot_channel_deactivate(robot=channel, actor=actors.sales_ops)
    delivery = services.delivery_attempt(delivery_id=Delivery.objects.get().pk)
    assert delivery.status == "failed" and "停用" in delivery.last_error and not bot.received


def test_email_reaches_a_real_smtp_server(actors, smtp, settings, django_capture_on_commit_callbacks):
    settings.BASE_URL = "https://crm.example.com"
    sink = smtp()
    give(actors.rep, email="zhangwei@example.com")
    send(django_capture_on_commit_callbacks, recipients=[actors.rep, actors.teammate])  # teammate has no e-mail
    assert len(sink.messages) == 1
    envelope = sink.messages[0]
    assert envelope.rcpt_tos == ["zhangwei@example.com"] and envelope.mail_from == "crm@example.com"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == "商机停滞提醒"
    assert message["X-Shangji-Delivery"] == f"notification-{Notification.objects.get(recipient=actors.rep).pk}-email"
    text = message.get_content()
    assert "MES 一期已 95 天未推进" in text and "https://crm.example.com/opportunities/7/" in text
    assert Delivery.objects.get().status == "delivered"


def test_an_smtp_refusal_is_recorded_with_its_code(actors, smtp, django_capture_on_commit_callbacks):
    smtp(refuse="550 5.1.1 mailbox unavailable")
    give(actors.rep, email="nobody@example.com")
    send(django_capture_on_commit_callbacks, recipients=[actors.rep])
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.last_status_code == 550
    assert "mailbox unavailable" in delivery.last_error


def test_no_smtp_host_means_no_email_deliveries(actors, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND, settings.EMAIL_HOST = "django.core.mail.backends.smtp.EmailBackend", ""
    give(actors.rep, email="zhangwei@example.com")
    send(django_capture_on_commit_callbacks, recipients=[actors.rep])
    assert Notification.objects.count() == 1 and not Delivery.objects.exists()


def test_channel_preferences_are_respected(actors, receiver, django_capture_on_commit_callbacks):
    for user, address in ((actors.rep, "rep@example.com"), (actors.teammate, "mate@example.com")):
        give(user, email=address, phone="1380000000" + str(user.pk % 10))
    services.preference_set(user=actors.rep, channel="email", enabled=False)
    services.preference_set(user=actors.rep, channel="wecom", enabled=False)
    wecom = receiver(answer=WECOM_OK)
    robot(actors, "wecom", wecom)
    send(django_capture_on_commit_callbacks, recipients=[actors.rep, actors.teammate])
    assert [m.to for m in mail.outbox] == [["mate@example.com"]]
    assert wecom.received[0].json["text"]["mentioned_mobile_list"] == [actors.teammate.phone]
    assert Notification.objects.count() == 2  # the in-app notification is always on


def test_the_default_preference_is_a_setting(actors, receiver, django_capture_on_commit_callbacks):
    setting_update(key="notify.email_default_on", raw_value=False, actor=actors.admin)
    give(actors.rep, email="rep@example.com")
    give(actors.teammate, email="mate@example.com")
    services.preference_set(user=actors.teammate, channel="email", enabled=True)
    send(django_capture_on_commit_callbacks, recipients=[actors.rep, actors.teammate])
    assert [m.to for m in mail.outbox] == [["mate@example.com"]]


def test_retrying_a_failed_delivery_keeps_its_key_and_is_audited(actors, receiver, django_capture_on_commit_callbacks):
    erp = receiver()
    delivery = services.webhook_send(subscription=subscribe(actors, erp), event_name="x.y", data={},
                                     idempotency_key="k-retry")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=6, last_error="HTTP 500")
    delivery.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.delivery_retry(delivery=delivery, actor=actors.rep)
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=delivery, actor=actors.sales_ops)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.idempotency_key) == ("delivered", 1, "k-retry")
    assert [r.headers["Idempotency-Key"] for r in erp.received] == ["k-retry"]
    assert AuditEntry.objects.filter(entity="delivery", entity_id=delivery.pk, action="retried",
                                     actor=actors.sales_ops).exists()
    with pytest.raises(ValidationError):
        services.delivery_retry(delivery=delivery, actor=actors.sales_ops)  # only failed rows


def test_robots_are_configured_by_sales_ops_only_and_one_per_unit_and_kind(actors, receiver):
    bot = receiver()
    with pytest.raises(PermissionDenied):
        services.robot_channel_create(actor=actors.director, name="x", kind="wecom", webhook_url=bot.url(),
                                      org_unit=actors.team)
    robot(actors, "wecom", bot)
    with pytest.raises(ValidationError) as error:
        robot(actors, "wecom", bot)
    assert "org_unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.robot_channel_create(actor=actors.sales_ops, name="x", kind="dingtalk",
                                      webhook_url="file:///etc/passwd", org_unit=actors.team)
    assert "webhook_url" in error.value.message_dict
    assert set(AuditEntry.objects.filter(entity="robot_channel", action="created", actor=actors.sales_ops)
               .values_list("field", flat=True)) == {"name", "kind", "org_unit"}

