"""/visits/: the rep's phone pages, an installable PWA (V1, V3, V5, V6).

The page is an app shell (`today.html` + static/visits/*.js) that the service worker keeps on the phone; the data it
works on comes from `/visits/data.json` (today's plan, customer cards, products, objections with talk tracks,
keyword suggestions), which the service worker also keeps, so a rep with no network can open the plan, check in and
record visits. Writes never happen here: the phone sends them through `POST /api/visits/sync/` and
`POST /api/visits/{id}/photos/` / `recordings/` (services.visits_sync / visit_photo_add / visit_recording_add),
idempotent by client-made ids.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from shangji.core.registry import setting
from shangji.customers.models import Contact, Customer
from shangji.customers.selectors import customer_list, customer_search_q
from shangji.pipeline.models import Product
from shangji.visits import selectors
from shangji.visits.choices import CheckInFlag, OptionalField, VisitStatus
from shangji.visits.models import ObjectionType, SignalKind, TalkTrack, Visit
from shangji.visits.services import PHOTO_POINTS

SEARCH_RESULTS = 20  # customers one search answers on a phone screen: a layout choice, not a business rule
TAG_HISTORY_VISITS = 30  # how far back the typeahead looks for the rep's own keywords
CONTACTS_PER_CARD = 3
# Files the service worker keeps for the shell (besides the page itself and the manifest).
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css", "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/htmx/htmx.min.js", "vendor/echarts/echarts.min.js", "shangji/app.css", "shangji/favicon.svg",
    "visits/visits.css", "visits/queue.js", "visits/app.js", "visits/icons/icon.svg", "visits/icons/icon-192.png",
    "visits/icons/icon-512.png",
)
# Their content makes the service worker's version: a deploy that changes any of them replaces the phone's cache.
VERSIONED_STATIC = ("visits/sw.js", "visits/app.js", "visits/queue.js", "visits/visits.css")

# The phone's words, translated here so the catalog serves them (the scripts have no gettext of their own).
JS_TEXT = {
    "pending": gettext_lazy("%(n)s 条待同步"),
    "all_synced": gettext_lazy("全部已同步"),
    "waiting": gettext_lazy("待同步"),
    "syncing": gettext_lazy("正在同步…"),
    "conflict": gettext_lazy("有冲突"),
    "rejected": gettext_lazy("被拒绝"),
    "status_planned": VisitStatus.PLANNED.label,
    "status_checked_in": VisitStatus.CHECKED_IN.label,
    "status_recorded": VisitStatus.RECORDED.label,
    "check_in": gettext_lazy("签到"),
    "record": gettext_lazy("填写拜访记录"),
    "edit_record": gettext_lazy("修改记录"),
    "remove": gettext_lazy("移出计划"),
    "up": gettext_lazy("上移"),
    "down": gettext_lazy("下移"),
    "add": gettext_lazy("加入计划"),
    "in_plan": gettext_lazy("已在计划中"),
    "no_location": gettext_lazy("客户无位置，排在最后"),
    "route_from_here": gettext_lazy("从当前位置出发"),
    "route_from_checkin": gettext_lazy("从上次签到处出发"),
    "route_from_first": gettext_lazy("未获取到定位，从第一个有位置的客户出发"),
    "route_start": gettext_lazy("起点"),
    "route_km": gettext_lazy("全程约 %(km)s 公里"),
    "metres": gettext_lazy("%(n)s 米"),
    "locating": gettext_lazy("正在获取定位…"),
    "no_position": gettext_lazy("未获取到定位，已按无定位签到。"),
    "empty_plan": gettext_lazy("今天还没有计划拜访的客户。在上方搜索客户加入计划。"),
    "no_results": gettext_lazy("没有找到可查看的客户。"),
    "offline_search": gettext_lazy("离线中：只搜索已下载到手机的客户。"),
    "last_visit": gettext_lazy("上次拜访"),
    "committed": gettext_lazy("承诺"),
    "contacts": gettext_lazy("联系人"),
    "required": gettext_lazy("请填写%(field)s。"),
    "fix_errors": gettext_lazy("请先修正标红的项目。"),
    "saved_offline": gettext_lazy("已保存在手机上，联网后自动同步。"),
    "saved": gettext_lazy("已保存并同步。"),
    "keep_mine": gettext_lazy("用我的覆盖"),
    "discard": gettext_lazy("放弃"),
    "discard_confirm": gettext_lazy("放弃这条手机上的修改？"),
    "case_offline": gettext_lazy("联网后显示同城同行业成功案例"),
    "case_loading": gettext_lazy("正在查找同城同行业成功案例…"),
    "case_title": gettext_lazy("成功案例"),
    "no_case": gettext_lazy("暂无同城或同行业的成功案例。"),
    "talk_tracks": gettext_lazy("应答话术"),
    "photo_waiting": gettext_lazy("照片待上传"),
    "photos": gettext_lazy("照片"),
    "recording_waiting": gettext_lazy("录音待上传"),
    "recordings": pgettext_lazy("拜访附件", "录音"),
    "record_start": gettext_lazy("录音"),
    "record_stop": gettext_lazy("停止"),
    "recording_now": gettext_lazy("正在录音 %(t)s"),
    "mic_failed": gettext_lazy("无法使用麦克风（%(reason)s），可以改用“选择录音文件”。"),
    "remove_attachment": gettext_lazy("移除"),
    "points": gettext_lazy("%(n)s 积分"),
    "session_expired": gettext_lazy("登录已过期，请刷新页面重新登录后再同步。"),
    "queue_empty": gettext_lazy("手机上没有待同步的记录。"),
    "data_stale": gettext_lazy("离线中：显示的是 %(at)s 下载的数据。"),
}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _visit_json(visit: Visit) -> dict:
    """A visit as the phone keeps it: exactly the fields the sync takes, plus what the server derived."""
    return {
        "client_id": str(visit.client_id), "id": visit.pk, "version": visit.version, "customer": visit.customer_id,
        "status": visit.status, "planned_on": _iso(visit.planned_on), "plan_position": visit.plan_position,
        "checked_in_at": _iso(visit.checked_in_at), "checkin_latitude": _number(visit.checkin_latitude),
        "checkin_longitude": _number(visit.checkin_longitude), "pain_keywords": visit.pain_keywords,
        "committed_action": visit.committed_action, "next_follow_up_at": _iso(visit.next_follow_up_at),
        "focus_product": visit.focus_product_id, "key_demands": visit.key_demands,
        "tomorrow_action": visit.tomorrow_action,
        "competitor_price": str(visit.competitor_price) if visit.competitor_price is not None else None,
        "stock_level": visit.stock_level, "notes": visit.notes, "objection": visit.objection_id,
        "previous_action_done": visit.previous_action_done, "visited_at": _iso(visit.visited_at),
        "device_recorded_at": _iso(visit.device_recorded_at),
        # Derived by the server (read only on the phone)
        "checkin_distance_m": visit.checkin_distance_m, "checkin_flag": visit.checkin_flag,
        "checkin_flag_label": visit.get_checkin_flag_display() if visit.checkin_flag else "",
        "points": visit.points, "photos": [{"client_id": str(p.client_id), "kind": p.kind, "flags": p.flags}
                                           for p in visit.photos.all()],
        "recordings": [{"client_id": str(r.client_id), "duration_s": r.duration_s} for r in visit.recordings.all()],
    }


def _cards(user, customers) -> dict[str, dict]:
    """Customer cards for the phone: address, position, contacts and the last visit before today (what the rep
    needs at the door, offline too: what was promised last time)."""
    customers = list(customers)
    ids = [customer.pk for customer in customers]
    day_start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    latest = (Visit.objects.visible_to(user).filter(customer=OuterRef("pk"), status=VisitStatus.RECORDED,
                                                    visited_at__lt=day_start)
              .order_by("-visited_at", "-id").values("pk")[:1])
    last_ids = dict(Customer.objects.filter(pk__in=ids).annotate(last=Subquery(latest)).values_list("pk", "last"))
    last_visits = {visit.customer_id: visit for visit in Visit.objects.filter(
        pk__in=[pk for pk in last_ids.values() if pk])}
    contacts: dict[int, list] = {}
    for contact in Contact.objects.visible_to(user).filter(customer_id__in=ids):
        contacts.setdefault(contact.customer_id, []).append(contact)
    cards = {}
    for customer in customers:
        last = last_visits.get(customer.pk)
        cards[str(customer.pk)] = {
            "id": customer.pk, "name": customer.name, "code": customer.code, "address": customer.address,
            "latitude": _number(customer.latitude), "longitude": _number(customer.longitude),
            "phone": customer.phone, "grade": customer.grade,
            "city": customer.city.name if customer.city_id else "",
            "industry": customer.industry.name if customer.industry_id else "",
            "contacts": [{"name": c.name, "title": c.title, "mobile": c.mobile}
                         for c in contacts.get(customer.pk, [])[:CONTACTS_PER_CARD]],
            "last_visit": None if last is None else {
                "visited_at": _iso(last.visited_at), "committed_action": last.committed_action,
                "next_follow_up_at": _iso(last.next_follow_up_at), "pain_keywords": last.pain_keywords},
        }
    return cards


def plan_data(user, day: date) -> dict:
    """Everything the phone needs for `day`, offline included."""
    plan = list(selectors.plan_for(user=user, day=day).prefetch_related("photos", "recordings"))
    latest_own = (Visit.objects.filter(owner=user, customer=OuterRef("pk")).order_by(F("visited_at").desc(
        nulls_last=True), "-id").values("visited_at")[:1])
    offline = list(customer_list(user=user).annotate(last_own_visit=Subquery(latest_own))
               .order_by(F("last_own_visit").desc(nulls_last=True), "-updated_at", "-id")
               [:setting("visits.offline_customers")])
    plan_ids = {visit.customer_id for visit in plan}
    customers = list(offline) + list(customer_list(user=user).filter(pk__in=plan_ids - {c.pk for c in offline}))
    objections = ObjectionType.objects.filter(is_active=True).prefetch_related(
        Prefetch("talk_tracks", queryset=TalkTrack.objects.order_by("sequence", "id")))
    # The signal names first (one of each kind when nothing is typed yet), then every trigger word for the typeahead.
    kinds = list(SignalKind.objects.filter(is_active=True).values_list("label", "words"))
    dictionary = [label for label, _words in kinds] + [word for _label, words in kinds for word in words]
    return {
        "today": day.isoformat(),
        "loaded_at": timezone.localtime().strftime("%m-%d %H:%M"),
        "user": {"id": user.pk, "name": user.display_name},
        "settings": {key.split(".", 1)[1]: setting(key) for key in (
            "visits.points_per_field", "visits.notes_min_chars", "visits.sync_max_visits",
            "visits.sync_retry_seconds", "visits.checkin_radius_m")},
        "visits": [_visit_json(visit) for visit in plan],
        "customers": _cards(user, customers),
        "products": [{"id": product.pk, "name": product.name, "sku": product.sku}
                     for product in Product.objects.filter(is_active=True).order_by("product_line", "sku")],
        "objections": [{"id": objection.pk, "name": objection.name,
                        "talk_tracks": [{"title": t.title, "answer": t.answer} for t in objection.talk_tracks.all()]}
                       for objection in objections],
        "keywords": list(dict.fromkeys(selectors.recent_tags(user=user, field="pain_keywords",
                                                             visits=TAG_HISTORY_VISITS) + dictionary)),
        "demands": selectors.recent_tags(user=user, field="key_demands", visits=TAG_HISTORY_VISITS),
        "flags": dict(CheckInFlag.choices),
    }


def _objection_help_url() -> str:
    try:
        return reverse("api:visit-objection-help")
    except NoReverseMatch:  # the endpoint ships separately; the page then says the case needs the network
        return "/api/visits/objection-help/"


@login_required
@ensure_csrf_cookie  # the phone's script posts with the csrftoken cookie, also when the page came from its cache
@require_GET
def today(request):
    points = setting("visits.points_per_field")
    optional = {field: _("+%(n)s 积分") % {"n": points} for field in OptionalField.values}
    return render(request, "visits/today.html", {
        "text": {key: str(value) for key, value in JS_TEXT.items()},
        "optional_points": optional, "notes_min_chars": setting("visits.notes_min_chars"),
        "photo_kinds": [(kind, OptionalField(field).label, optional[field]) for kind, field in PHOTO_POINTS.items()],
        "urls": {"data": reverse("visits:data"), "customers": reverse("visits:customers"),
                 "sync": reverse("api:visit-sync"), "photos": reverse("api:visit-photos", args=[0]),
                 "recordings": reverse("api:visit-recordings", args=[0]),
                 "objection_help": _objection_help_url(), "sw": reverse("visits:sw"),
                 "scope": reverse("visits:today")},
    })


@login_required
@never_cache  # the service worker keeps its own copy for offline use; the browser's HTTP cache must not
@require_GET
def data(request):
    return JsonResponse(plan_data(request.user, timezone.localdate()), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def customers(request):
    """Search the customers the rep may see, to add them to today's plan."""
    text = request.GET.get("q", "").strip()[:100]
    found = customer_list(user=request.user).filter(customer_search_q(text)).order_by("name", "id")[:SEARCH_RESULTS]
    return JsonResponse({"results": list(_cards(request.user, found).values()) if text else []},
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def manifest(request):
    """The web app manifest: installable, opens on today's plan, scoped to the rep pages."""
    scope = reverse("visits:today")
    body = {
        "name": _("商机 · 今日拜访"), "short_name": _("拜访"), "lang": "en" if get_language() == "en" else "zh-CN",
        "start_url": scope, "scope": scope,
        "display": "standalone", "orientation": "portrait", "background_color": "#ffffff", "theme_color": "#c0392b",
        "description": _("计划今日拜访、签到、记录拜访，离线也能用。"),
        "icons": [{"src": static("visits/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("visits/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                  {"src": static("visits/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


def _read_static(path: str) -> bytes:
    found = finders.find(path)
    with open(found, "rb") as handle:
        return handle.read()


@require_GET
def service_worker(request):
    """The service worker, served from /visits/ so that its scope covers the rep pages (a script under /static/
    could only control /static/). No data in it, so no login needed to fetch it."""
    digest = hashlib.sha256(b"".join(_read_static(path) for path in VERSIONED_STATIC)).hexdigest()[:12]
    scope = reverse("visits:today")
    config = {"version": digest, "scope": scope, "page": scope, "data": reverse("visits:data"),
              "shell": [scope, reverse("visits:manifest")] + [static(path) for path in SHELL_STATIC]}
    body = f"const SW_CONFIG = {json.dumps(config)};\n".encode() + _read_static("visits/sw.js")
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = scope
    response["Cache-Control"] = "no-cache"
    return response
