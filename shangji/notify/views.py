"""Notification pages: the inbox, the navbar badge, per-user channel switches, and (for sales ops and
admins) group robots, webhook subscriptions and the delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shangji.notify import selectors, services
from shangji.notify.channels.base import mask_secret, mask_url
from shangji.notify.choices import PreferenceChannel
from shangji.notify.filtersets import DeliveryFilterSet, NotificationFilterSet
from shangji.notify.forms import RobotForm, WebhookForm

PAGE_SIZE = 25
STOP_POLLING = 286  # htmx stops an `every Ns` poll when the answer has this status


@login_required
def inbox(request):
    filterset = NotificationFilterSet(request.GET, queryset=selectors.notification_list(user=request.user),
                                      request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {
        "filter": filterset, "page": page, "unread": selectors.unread_count(user=request.user)})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Click on a notification: mark it read and go where it points (site paths only)."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return redirect(link)
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("notify:inbox")


@require_GET
def badge(request):
    """The navbar bell's unread count (htmx partial). Logged out (e.g. the session expired) → stop polling."""
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    return render(request, "notify/_badge.html", {"unread": selectors.unread_count(user=request.user)})


@login_required
def preferences(request):
    if request.method == "POST":
        for channel in PreferenceChannel.values:
            services.preference_set(user=request.user, channel=channel, enabled=request.POST.get(channel) == "on")
        messages.success(request, _("通知设置已保存。"))
        return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {"rows": selectors.preferences_for(user=request.user)})


def _configurer(request) -> None:
    if not request.user.can_configure:
        raise PermissionDenied


@login_required
def channels(request):
    _configurer(request)
    robots = [{"robot": robot, "url": mask_url(robot.webhook_url), "secret": mask_secret(robot.secret)}
              for robot in selectors.robot_list(user=request.user)]
    webhooks = [{"subscription": s, "url": mask_url(s.url), "secret": mask_secret(s.secret)}
                for s in selectors.webhook_list(user=request.user)]
    return render(request, "notify/channels.html", {"robots": robots, "webhooks": webhooks})


@login_required
def robot_edit(request, pk: int | None = None):
    _configurer(request)
    robot = selectors.robot_get(user=request.user, pk=pk) if pk else None
    initial = ({"name": robot.name, "kind": robot.kind, "org_unit": robot.org_unit_id,
                "webhook_url": robot.webhook_url} if robot else {})
    form = RobotForm(request.POST or None, initial=initial, editing=robot is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if robot is None:
                robot = services.robot_channel_create(
                    actor=request.user, name=data["name"], kind=data["kind"], webhook_url=data["webhook_url"],
                    org_unit=data["org_unit"], secret=data["secret"])
            else:
                secret = "" if data.get("clear_secret") else (data["secret"] or None)
                services.robot_channel_update(robot=robot, actor=request.user, name=data["name"], kind=data["kind"],
                                              webhook_url=data["webhook_url"], org_unit=data["org_unit"],
                                              secret=secret)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("群机器人已保存。"))
            return redirect("notify:channels")
    return render(request, "notify/form.html", {
        "form": form, "title": _("编辑群机器人") if robot else _("添加群机器人")})


@login_required
def webhook_edit(request, pk: int | None = None):
    _configurer(request)
    subscription = selectors.webhook_get(user=request.user, pk=pk) if pk else None
    initial = ({"name": subscription.name, "url": subscription.url,
                "event_types": "\n".join(subscription.event_types)} if subscription else {})
    form = WebhookForm(request.POST or None, initial=initial, editing=subscription is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if subscription is None:
                services.webhook_subscription_create(actor=request.user, name=data["name"], url=data["url"],
                                                     secret=data["secret"], event_types=data["event_types"])
            else:
                services.webhook_subscription_update(subscription=subscription, actor=request.user,
                                                     name=data["name"], url=data["url"],
                                                     secret=data["secret"] or None, event_types=data["event_types"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Webhook 订阅已保存。"))
            return redirect("notify:channels")
    return render(request, "notify/form.html", {
        "form": form, "title": _("编辑 Webhook 订阅") if subscription else _("添加 Webhook 订阅")})


@login_required
@require_POST
def robot_action(request, pk: int, action: str):
    _configurer(request)
    robot = selectors.robot_get(user=request.user, pk=pk)
    if action == "test":
        services.robot_channel_test(robot=robot, actor=request.user)
        messages.success(request, _("测试消息已发出，结果见投递记录。"))
        return redirect(f"{_deliveries_url()}?channel={robot.kind}")
    try:
        if action == "activate":
            services.robot_channel_update(robot=robot, actor=request.user, is_active=True)
        else:
            services.robot_channel_deactivate(robot=robot, actor=request.user)
    except ValidationError as error:  # e.g. another robot of this kind is already active for the unit
        messages.error(request, "；".join(error.messages))
        return redirect("notify:channels")
    messages.success(request, _("已启用。") if action == "activate" else _("已停用。"))
    return redirect("notify:channels")


@login_required
@require_POST
def webhook_action(request, pk: int, action: str):
    _configurer(request)
    subscription = selectors.webhook_get(user=request.user, pk=pk)
    if action == "test":
        services.webhook_subscription_test(subscription=subscription, actor=request.user)
        messages.success(request, _("测试消息已发出，结果见投递记录。"))
        return redirect(f"{_deliveries_url()}?channel=webhook")
    if action == "activate":
        services.webhook_subscription_update(subscription=subscription, actor=request.user, is_active=True)
    else:
        services.webhook_subscription_deactivate(subscription=subscription, actor=request.user)
    messages.success(request, _("已启用。") if action == "activate" else _("已停用。"))
    return redirect("notify:channels")


@login_required
def deliveries(request):
    _configurer(request)
    filterset = DeliveryFilterSet(request.GET, queryset=selectors.delivery_list(user=request.user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/deliveries.html", {"filter": filterset, "page": page})


@login_required
@require_POST
def delivery_retry(request, pk: int):
    _configurer(request)
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    try:
        services.delivery_retry(delivery=delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已重新排队发送。"))
    return redirect(request.POST.get("next") if _safe_next(request) else _deliveries_url())


def _deliveries_url() -> str:
    return reverse("notify:deliveries")


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
