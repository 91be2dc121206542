"""Notification API: my own inbox only; webhook subscriptions and the delivery log for sales ops and admins."""

import pytest

from shangji.core.models import AuditEntry
from shangji.notify import services
from shangji.notify.choices import DeliveryStatus
from shangji.notify.models import Delivery, Notification, WebhookSubscription

pytestmark = pytest.mark.django_db
EVERYONE_ELSE = ["rep", "teammate", "other_rep", "team_lead", "regional_manager", "other_manager", "director",
                 "presales", "finance"]


def notify(user, title="新线索分配给您"):
    return services.notification_send(recipients=[user], title=title, body="来自展会", link="/leads/3/")[0]


def subscription(actors, **fields):
    return services.webhook_subscription_create(actor=actors.admin, **({
        "name": "ERP", "url": "https://erp.example.com/hook", "secret": "whsec-0123456789abcdef",
        "event_types": ["*"]} | fields))


def test_i_list_and_read_only_my_notifications(actors, api):
    mine = notify(actors.rep)
    notify(actors.rep, title="第二条")
    notify(actors.teammate, title="别人的")
    client = api(actors.rep)
    listing = client.get("/api/notifications/").json()
    assert [n["title"] for n in listing["results"]] == ["第二条", "新线索分配给您"]
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 2}
    response = client.post(f"/api/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.get("/api/notifications/", {"unread": "true"}).json()["count"] == 1
    assert client.post("/api/notifications/read-all/").json() == {"updated": 1}
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 0}
    assert Notification.objects.get(recipient=actors.teammate).read_at is None


@pytest.mark.parametrize("name", ["teammate", "team_lead", "regional_manager", "director", "sales_ops", "admin"])
def test_nobody_reads_or_marks_another_users_notification(actors, api, name):
    theirs = notify(actors.rep)
    client = api(getattr(actors, name))
    assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    response = client.post(f"/api/notifications/{theirs.pk}/read/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get("/api/notifications/").json()["count"] == 0
    client.post("/api/notifications/read-all/")
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_anonymous_callers_get_nothing(actors, api):
    notify(actors.rep)
    for url in ("/api/notifications/", "/api/notifications/unread-count/", "/api/webhooks/", "/api/deliveries/"):
        assert api(None).get(url).status_code in (401, 403), url


@pytest.mark.parametrize("name", ["sales_ops", "admin"])
def test_configurers_manage_webhooks_and_the_secret_is_write_only(actors, api, name):
    client = api(getattr(actors, name))
    created = client.post("/api/webhooks/", {"name": "ERP", "url": "https://erp.example.com/hook",
                                             "secret": "whsec-0123456789abcdef",
                                             "event_types": ["opportunity.stage_changed"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert "secret" not in body and body["secret_hint"] == "whse****" and body["is_active"] is True
    pk = body["id"]
    patched = client.patch(f"/api/webhooks/{pk}/", {"event_types": ["*"], "secret": "new-secret-0123456789"},
                           format="json")
    assert patched.status_code == 200 and patched.json()["event_types"] == ["*"]
    assert WebhookSubscription.objects.get(pk=pk).secret == "new-secret-0123456789"
    assert "new-secret-0123456789" not in str(AuditEntry.objects.values_list("old_value", "new_value"))
    assert client.delete(f"/api/webhooks/{pk}/").status_code == 204
    assert WebhookSubscription.objects.get(pk=pk).is_active is False  # deactivated, the log keeps its rows
    assert [w["id"] for w in client.get("/api/webhooks/").json()["results"]] == [pk]


@pytest.mark.parametrize("name", EVERYONE_ELSE)
def test_everyone_else_is_refused_every_webhook_call_and_nothing_changes(actors, api, name):
    existing = subscription(actors)
    client = api(getattr(actors, name))
    before = list(WebhookSubscription.objects.values_list("name", "url", "secret", "event_types", "is_active"))
    calls = [client.get("/api/webhooks/"), client.get(f"/api/webhooks/{existing.pk}/"),
             client.post("/api/webhooks/", {"name": "x", "url": "https://x.example/h", "secret": "s" * 20,
                                            "event_types": ["*"]}, format="json"),
             client.patch(f"/api/webhooks/{existing.pk}/", {"url": "https://evil.example/h"}, format="json"),
             client.delete(f"/api/webhooks/{existing.pk}/"), client.post(f"/api/webhooks/{existing.pk}/test/")]
    assert [call.status_code for call in calls] == [403] * 6
    assert calls[0].json()["code"] == "permission_denied" and calls[0].json()["message"]
    assert list(WebhookSubscription.objects.values_list("name", "url", "secret", "event_types", "is_active")) == before
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("payload, field", [
    ({"url": "ftp://erp.example.com/hook"}, "url"),
    ({"url": "https://" + "a" * 600}, "url"),
    ({"secret": "short"}, "secret"),
    ({"event_types": []}, "event_types"),
    ({"event_types": ["Opportunity Changed"]}, "event_types"),
    ({"name": ""}, "name"),
])
def test_bad_webhook_input_is_a_clear_error_and_creates_nothing(actors, api, payload, field):
    data = {"name": "ERP", "url": "https://erp.example.com/hook", "secret": "whsec-0123456789abcdef",
            "event_types": ["*"]} | payload
    response = api(actors.sales_ops).post("/api/webhooks/", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"] and body["message"]
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_and_its_retry_are_for_configurers(actors, api):
    delivery = services.webhook_send(subscription=subscription(actors), event_name="x.y", data={},
                                     idempotency_key="k-1")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=6, last_error="HTTP 500")
    for name in EVERYONE_ELSE:
        client = api(getattr(actors, name))
        assert client.get("/api/deliveries/").status_code == 403
        assert client.post(f"/api/deliveries/{delivery.pk}/retry/").status_code == 403
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
    ops = api(actors.sales_ops)
    log = ops.get("/api/deliveries/", {"status": "failed", "channel": "webhook"}).json()
    assert [(d["id"], d["idempotency_key"], d["last_error"]) for d in log["results"]] == [(delivery.pk, "k-1",
                                                                                          "HTTP 500")]
    assert ops.get("/api/deliveries/", {"status": "delivered"}).json()["count"] == 0
    retried = ops.post(f"/api/deliveries/{delivery.pk}/retry/")
    assert retried.status_code == 200 and retried.json()["status"] == "pending" and retried.json()["attempts"] == 0
    again = ops.post(f"/api/deliveries/{delivery.pk}/retry/")
    assert again.status_code == 400 and again.json()["code"] == "invalid"
    assert ops.delete(f"/api/deliveries/{delivery.pk}/").status_code == 405
