"""Notification pages: the inbox (private to its owner), the navbar badge, preferences, and the channel and
delivery pages that only sales ops and admins open."""

import pytest
from django.test import Client

from shangji.conftest import signed_in
from shangji.core.models import AuditEntry
from shangji.core.services import setting_update
from shangji.notify import services
from shangji.notify.choices import DeliveryStatus
from shangji.notify.models import ChannelPreference, Delivery, Notification, RobotChannel, WebhookSubscription

pytestmark = pytest.mark.django_db
CONFIGURERS = ["sales_ops", "admin"]
OTHERS = ["rep", "team_lead", "regional_manager", "director", "presales", "finance"]


def notify(user, title="阶段变更：MES 一期", link="/opportunities/7/"):
    return services.notification_send(recipients=[user], title=title, body="已进入谈判阶段", link=link)[0]


def test_the_inbox_lists_only_my_notifications_newest_first_with_unread_bold(actors):
    notify(actors.rep, title="第一条")
    latest = notify(actors.rep, title="第二条")
    notify(actors.teammate, title="王芳的通知")
    services.notification_mark_read(notification=latest, actor=actors.rep)
    page = signed_in(actors.rep).get("/notifications/").content.decode()
    assert page.index("第二条") < page.index("第一条") and "王芳的通知" not in page
    assert "fw-bold" in page.split("第一条")[0].rsplit("<li", 1)[1]
    assert "fw-bold" not in page.split("第二条")[0].rsplit("<li", 1)[1]
    unread_only = signed_in(actors.rep).get("/notifications/", {"unread": "true"}).content.decode()
    assert "第一条" in unread_only and "第二条" not in unread_only


@pytest.mark.parametrize("name", ["teammate", "team_lead", "director", "admin"])
def test_nobody_opens_someone_elses_notification(actors, name):
    notification = notify(actors.rep)
    response = signed_in(getattr(actors, name)).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_clicking_a_notification_marks_it_read_and_follows_its_link(actors):
    notification = notify(actors.rep)
    response = signed_in(actors.rep).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/opportunities/7/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_all_read_touches_only_my_notifications(actors):
    notify(actors.rep)
    notify(actors.rep)
    theirs = notify(actors.teammate)
    page = signed_in(actors.rep).post("/notifications/read-all/", follow=True).content.decode()
    assert "已将 2 条通知标为已读" in page
    assert not Notification.objects.filter(recipient=actors.rep, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_badge_partial_counts_my_unread_and_stops_polling_when_logged_out(actors):
    for _ in range(3):
        notify(actors.rep)
    html = signed_in(actors.rep).get("/notifications/badge/").content.decode()
    assert 'data-unread="3"' in html and "bi-bell-fill" in html
    assert 'data-unread' not in signed_in(actors.teammate).get("/notifications/badge/").content.decode()
    anonymous = Client().get("/notifications/badge/")
    assert anonymous.status_code == 286 and anonymous.content == b""


def test_every_page_has_the_bell_polling_at_the_configured_interval_but_not_when_logged_out(actors):
    setting_update(key="notify.inbox_poll_seconds", raw_value=45, actor=actors.admin)
    home = signed_in(actors.rep).get("/").content.decode()
    assert 'hx-get="/notifications/badge/"' in home and 'hx-trigger="load, every 45s"' in home
    assert "/notifications/badge/" not in Client().get("/login/").content.decode()


def test_preferences_page_saves_each_switch(actors):
    client = signed_in(actors.rep)
    page = client.get("/notifications/preferences/").content.decode()
    assert "站内通知" in page and 'name="email" checked' in page
    client.post("/notifications/preferences/", {"dingtalk": "on", "feishu": "on"})
    assert dict(ChannelPreference.objects.filter(user=actors.rep).values_list("channel", "enabled")) == {
        "email": False, "wecom": False, "dingtalk": True, "feishu": True}
    assert 'name="email" checked' not in client.get("/notifications/preferences/").content.decode()


@pytest.mark.parametrize("name", OTHERS)
@pytest.mark.parametrize("url", ["/notifications/channels/", "/notifications/deliveries/",
                                 "/notifications/channels/robots/new/", "/notifications/channels/webhooks/new/"])
def test_channel_and_delivery_pages_are_for_configurers_only(actors, name, url):
    assert signed_in(getattr(actors, name)).get(url).status_code == 403


@pytest.mark.parametrize("name", CONFIGURERS)
def test_configurers_open_the_channel_and_delivery_pages(actors, name):
    client = signed_in(getattr(actors, name))
    for url in ("/notifications/channels/", "/notifications/deliveries/", "/notifications/channels/robots/new/",
                "/notifications/channels/webhooks/new/"):
        assert client.get(url).status_code == 200, url


def test_sales_ops_add_a_robot_whose_secret_is_never_shown_again(actors):
    client = signed_in(actors.sales_ops)
    response = client.post("/notifications/channels/robots/new/", {
        "name": "华东销售群", "kind": "dingtalk", "org_unit": actors.east.pk, "secret": "SECabcdef0123456789",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef"})
    assert response.status_code == 302
    robot = RobotChannel.objects.get()
    assert (robot.kind, robot.org_unit, robot.secret) == ("dingtalk", actors.east, "SECabcdef0123456789")
    listing = client.get("/notifications/channels/").content.decode()
    assert "华东销售群" in listing and "SECa****" in listing
    assert "SECabcdef0123456789" not in listing and "abcdef0123456789abcdef" not in listing
    edit = client.get(f"/notifications/channels/robots/{robot.pk}/edit/").content.decode()
    assert "SECabcdef0123456789" not in edit
    client.post(f"/notifications/channels/robots/{robot.pk}/edit/", {  # blank secret keeps it
        "name": "华东群", "kind": "dingtalk", "org_unit": actors.east.pk, "secret": "",
        "webhook_url": robot.webhook_url})
    robot.refresh_from_db()
    assert (robot.name, robot.secret) == ("华东群", "SECabcdef0123456789")


def test_a_bad_robot_form_shows_chinese_errors_and_saves_nothing(actors):
    page = signed_in(actors.sales_ops).post("/notifications/channels/robots/new/", {
        "name": "群", "kind": "wecom", "org_unit": actors.team.pk, "webhook_url": "ftp://example.com/x"}).content.decode()
    assert "http://" in page and "https://" in page
    assert not RobotChannel.objects.exists()


def test_a_webhook_created_on_the_page_gets_a_generated_secret_and_validated_events(actors):
    client = signed_in(actors.admin)
    form = client.get("/notifications/channels/webhooks/new/").content.decode()
    assert 'name="secret"' in form and 'value="' in form.split('name="secret"')[1].split(">")[0]
    bad = client.post("/notifications/channels/webhooks/new/", {
        "name": "ERP", "url": "https://erp.example.com/hook", "secret": "x" * 20, "event_types": "Not An Event"})
    assert "不是有效的事件名" in bad.content.decode() and not WebhookSubscription.objects.exists()
    client.post("/notifications/channels/webhooks/new/", {
        "name": "ERP", "url": "https://erp.example.com/hook", "secret": "x" * 20,
        "event_types": "opportunity.stage_changed\ncustomer.*"})
    assert WebhookSubscription.objects.get().event_types == ["opportunity.stage_changed", "customer.*"]


def test_the_test_button_sends_through_the_robot_and_lands_in_the_delivery_log(actors, receiver,
                                                                               django_capture_on_commit_callbacks):
    bot = receiver(answer={"errcode": 0, "errmsg": "ok"})
    robot = services.robot_channel_create(actor=actors.sales_ops, name="上海群", kind="wecom", org_unit=actors.team,
                                          webhook_url=bot.url("key=0123456789abcdef0123"))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(actors.sales_ops).post(f"/notifications/channels/robots/{robot.pk}/test/")
    assert response.status_code == 302 and "/notifications/deliveries/" in response["Location"]
    assert "测试消息" in bot.received[0].json["markdown"]["content"]
    log = signed_in(actors.sales_ops).get("/notifications/deliveries/", {"channel": "wecom"}).content.decode()
    assert "已送达" in log


def test_a_rep_cannot_press_the_test_or_deactivate_buttons(actors):
    robot = services.robot_channel_create(actor=actors.sales_ops, name="上海群", kind="wecom", org_unit=actors.team,
                                          webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    client = signed_in(actors.rep)
    assert client.post(f"/notifications/channels/robots/{robot.pk}/test/").status_code == 403
    assert client.post(f"/notifications/channels/robots/{robot.pk}/deactivate/").status_code == 403
    assert RobotChannel.objects.get().is_active and not Delivery.objects.exists()


def failed_delivery(actors):
    subscription = services.webhook_subscription_create(actor=actors.admin, name="ERP", url="https://erp.example/h",
                                                        secret="s" * 20, event_types=["*"])
    delivery = services.webhook_send(subscription=subscription, event_name="x.y", data={}, idempotency_key="k-1")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=6,
                                                   last_error="接收方返回 HTTP 500：boom", last_status_code=500)
    return delivery


def test_the_delivery_log_filters_by_status_and_shows_the_last_error(actors):
    failed_delivery(actors)
    client = signed_in(actors.sales_ops)
    page = client.get("/notifications/deliveries/", {"status": "failed"}).content.decode()
    assert "HTTP 500：boom" in page and "重试" in page
    assert "HTTP 500" not in client.get("/notifications/deliveries/", {"status": "delivered"}).content.decode()


@pytest.mark.parametrize("name, status", [("rep", 403), ("director", 403), ("finance", 403), ("sales_ops", 302),
                                          ("admin", 302)])
def test_only_configurers_press_the_retry_button(actors, name, status):
    delivery = failed_delivery(actors)
    response = signed_in(getattr(actors, name)).post(f"/notifications/deliveries/{delivery.pk}/retry/")
    assert response.status_code == status
    retried = Delivery.objects.get(pk=delivery.pk).status == "pending"
    assert retried is (status == 302)
    assert AuditEntry.objects.filter(entity="delivery", action="retried").exists() is retried


def test_the_inbox_and_the_delivery_log_do_not_query_per_row(actors, django_assert_max_num_queries):
    from shangji.org.models import User

    User.objects.filter(pk=actors.rep.pk).update(email="rep@example.com")
    for index in range(30):
        services.notification_send(recipients=[actors.rep], title=f"通知 {index}", body="")
    failed_delivery(actors)
    assert Delivery.objects.count() == 31
    rep, ops = signed_in(actors.rep), signed_in(actors.sales_ops)
    with django_assert_max_num_queries(10):
        assert "通知 29" in rep.get("/notifications/").content.decode()
    with django_assert_max_num_queries(10):
        assert "通知 29" in ops.get("/notifications/deliveries/").content.decode()


@pytest.mark.parametrize("url", ["/django-admin/notify/delivery/", "/django-admin/notify/notification/",
                                 "/django-admin/notify/robotchannel/", "/django-admin/notify/webhooksubscription/",
                                 "/django-admin/notify/channelpreference/"])
def test_the_administrator_opens_the_notify_admin(actors, url):
    assert signed_in(actors.admin).get(url).status_code == 200


def test_the_admin_retry_action_requeues_failed_deliveries(actors):
    delivery = failed_delivery(actors)
    response = signed_in(actors.admin).post("/django-admin/notify/delivery/", {
        "action": "retry_failed", "_selected_action": [delivery.pk]}, follow=True)
    assert "已重新排队 1 条投递" in response.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
