"""The rep's day on a phone, in a real browser (V1, V3, V5): plan, check in, record with a photo, then two visits
with the network off that reach the server exactly once when it comes back."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shangji.conftest import log_in, make_customer
from shangji.pipeline.models import Product
from shangji.visits.models import ObjectionType, TalkTrack, Visit, VisitPhoto
from shangji.visits.tests.test_photos import make_exif, photo

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = (Decimal("31.230400"), Decimal("121.473700"))
HERE = {"latitude": 31.2305, "longitude": 121.4738}  # the phone, about 14 m from the shop


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
        has_touch=True, is_mobile=True, geolocation=HERE, permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20_000)  # the machine is shared: a first load under load can take seconds
    yield page
    context.close()


def shot(page, name: str, *, desktop: bool = False) -> None:
    """Screenshots for a person to look at, only when asked for (SHANGJI_SCREENSHOTS=<dir>)."""
    if folder := os.environ.get("SHANGJI_SCREENSHOTS"):
        if desktop:
            page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=f"{folder}/{name}.png")
        if desktop:
            page.set_viewport_size({"width": 390, "height": 844})


def open_today(page, username: str) -> None:
    log_in(page, username)
    page.goto("/visits/")
    page.wait_for_selector("body[data-rep-ready]")


def card(page, name: str):
    return page.locator(f'#plan-list li[data-customer="{name}"]')


def add_to_plan(page, search: str, name: str) -> None:
    page.get_by_label("添加客户到今日计划").fill(search)
    page.locator("#search-results li", has_text=name).get_by_role("button", name="加入计划").click()
    expect(card(page, name)).to_be_visible()


def fill_visit(page, *, keyword: str, action: str) -> None:
    page.get_by_label("客户痛点关键词").fill(keyword)
    page.get_by_label("客户痛点关键词").press("Enter")
    page.get_by_label("本次承诺动作").fill(action)
    page.get_by_label("下次跟进时间").fill((timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT10:00"))


def test_rep_plans_checks_in_records_with_a_photo_and_two_offline_visits_sync_once(actors, phone):
    rep = actors.rep
    make_customer(rep, name="上海恒瑞精密机械有限公司", address="黄浦区人民大道 100 号", latitude=SHOP[0],
                  longitude=SHOP[1])
    make_customer(rep, name="上海东方轴承有限公司", address="静安区南京西路 1 号", latitude=Decimal("31.240000"),
                  longitude=Decimal("121.460000"))
    make_customer(rep, name="上海华东化工有限公司")  # no location: still reachable offline from the phone's cards
    make_customer(actors.other_rep, name="上海他人客户有限公司")  # another region's: never offered
    Product.objects.create(sku="LUB-1", name="工业润滑油", list_price="100.00")
    objection, _ = ObjectionType.objects.get_or_create(name="价格太高")  # shipped by migration 0002 unless flushed
    TalkTrack.objects.create(objection=objection, title="按年算账", answer="把单价换算成每月使用成本。")
    page = phone
    open_today(page, rep.username)

    # Plan: two customers found among the visible ones.
    page.get_by_label("添加客户到今日计划").fill("上海")
    expect(page.locator("#search-results li")).to_have_count(3)
    add_to_plan(page, "东方", "上海东方轴承有限公司")
    add_to_plan(page, "恒瑞", "上海恒瑞精密机械有限公司")
    expect(page.locator("#plan-list > li")).to_have_count(2)  # both on the list before the route is computed
    expect(page.locator("#plan-list > li").first).to_have_attribute("data-customer", "上海东方轴承有限公司")
    # Map order: the nearest customer to the phone first.
    page.get_by_role("button", name="按路线排序").click()
    # (the phone's position can take seconds on a loaded machine)
    expect(page.locator("#plan-list > li").first).to_have_attribute("data-customer", "上海恒瑞精密机械有限公司",
                                                                    timeout=20_000)
    expect(page.locator("#route-note")).to_contain_text("从当前位置出发")
    shot(page, "phone_route")
    shot(page, "desktop_route", desktop=True)
    expect(page.locator("#sync-badge")).to_have_text("全部已同步")
    planned = Visit.objects.filter(owner=rep, status="planned")
    assert planned.count() == 2
    assert dict(planned.values_list("customer__name", "plan_position")) == {"上海恒瑞精密机械有限公司": 1,
                                                                          "上海东方轴承有限公司": 2}

    # Check in at the shop: the server measures the distance.
    shop = card(page, "上海恒瑞精密机械有限公司")
    shop.get_by_role("button", name="签到").click()
    expect(shop.locator(".rep-checkin")).to_contain_text("位置正常 · 1")
    expect(shop.locator(".rep-checkin")).to_contain_text("米")
    shot(page, "phone_plan")

    # Record it: the three required fields are asked for first, in Chinese.
    shop.get_by_role("button", name="填写拜访记录").click()
    page.get_by_role("button", name="保存拜访记录").click()
    expect(page.locator('[data-error="pain_keywords"]')).to_have_text("请填写客户痛点关键词。")
    expect(page.locator('[data-error="committed_action"]')).to_have_text("请填写本次承诺动作。")
    shot(page, "phone_form_errors")
    fill_visit(page, keyword="交期慢", action="周五前发报价单")
    page.get_by_label("客户异议").select_option(label="价格太高")
    expect(page.locator("#talk-tracks")).to_contain_text("把单价换算成每月使用成本。")
    expect(page.locator("#objection-case")).not_to_contain_text("正在查找")
    page.locator("#objection-panel").scroll_into_view_if_needed()
    shot(page, "phone_form_objection")
    taken = timezone.localtime(timezone=ZoneInfo("Asia/Shanghai")).strftime("%Y:%m:%d %H:%M:%S")
    image = photo(make_exif(taken=taken, offset="+08:00", position=(31.2305, 121.4738)))
    page.locator('[data-photo-kind="shelf"]').set_input_files(
        files=[{"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": image}])
    page.get_by_role("button", name="保存拜访记录").click()
    expect(shop.locator(".badge", has_text="已记录")).to_be_visible()
    expect(page.locator("#sync-badge")).to_have_text("全部已同步")

    # The network goes: two more visits are kept on the phone.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    expect(page.locator("#offline-badge")).to_be_visible()
    bearing = card(page, "上海东方轴承有限公司")
    bearing.get_by_role("button", name="签到").click()
    expect(bearing.locator(".rep-checkin")).to_have_text("已签到 · 待同步")
    bearing.get_by_role("button", name="填写拜访记录").click()
    fill_visit(page, keyword="库存不足", action="下周一安排补货")
    page.get_by_label("客户异议").select_option(label="价格太高")
    expect(page.locator("#talk-tracks")).to_contain_text("把单价换算成每月使用成本。")  # from the phone's copy
    expect(page.locator("#objection-case")).to_have_text("联网后显示同城同行业成功案例")
    page.locator('[data-photo-kind="competitor"]').set_input_files(
        files=[{"name": "competitor.jpg", "mimeType": "image/jpeg", "buffer": image}])
    page.get_by_role("button", name="保存拜访记录").click()
    expect(bearing.locator(".rep-sync-state")).to_have_text("待同步")
    expect(bearing).to_contain_text("照片待上传 × 1")
    add_to_plan(page, "华东", "上海华东化工有限公司")
    chemical = card(page, "上海华东化工有限公司")
    expect(chemical).to_contain_text("客户无位置，排在最后")
    chemical.get_by_role("button", name="填写拜访记录").click()
    fill_visit(page, keyword="付款周期长", action="月底前确认付款方式")
    page.get_by_role("button", name="保存拜访记录").click()
    expect(page.locator("#sync-badge")).to_have_text("3 条待同步")  # two visits and a photo
    expect(page.locator("#queue-list [data-queue-visit]")).to_have_count(2)
    assert Visit.objects.filter(owner=rep).count() == 2
    page.locator("#queue-card").scroll_into_view_if_needed()
    shot(page, "phone_queue_waiting")

    # Still offline, the page opens again from the phone (service worker + IndexedDB), queue intact.
    page.reload()
    page.wait_for_selector("body[data-rep-ready]")
    expect(page.locator("#plan-list > li")).to_have_count(3)
    expect(page.locator("#sync-badge")).to_have_text("3 条待同步")  # two visits and a photo
    expect(page.locator("#rep-notice")).to_contain_text("离线中")

    # Back online: the queue drains once.
    page.context.set_offline(False)
    expect(page.locator("#sync-badge")).to_have_text("全部已同步", timeout=15_000)
    expect(page.locator("#queue-list [data-queue-visit]")).to_have_count(0)
    expect(bearing.locator(".rep-checkin")).to_contain_text("签到位置离客户过远 · 1")  # the phone is 1.6 km away

    recorded = Visit.objects.filter(owner=rep, status="recorded")
    assert recorded.count() == 3 and Visit.objects.count() == 3
    assert sorted(sum((v.pain_keywords for v in recorded), [])) == sorted(["交期慢", "库存不足", "付款周期长"])
    first = recorded.get(customer__name="上海恒瑞精密机械有限公司")
    assert first.checkin_flag == "ok" and first.checkin_distance_m < 50 and first.objection == objection
    stored = VisitPhoto.objects.get(visit=first)
    assert stored.kind == "shelf"
    assert stored.taken_at is not None and abs(float(stored.latitude) - 31.2305) < 0.0001
    assert stored.distance_m < 50 and stored.flags == []
    # The photo saved offline went up after its visit, once, and its EXIF says where it was really taken.
    offline_photo = VisitPhoto.objects.get(visit__customer__name="上海东方轴承有限公司")
    assert offline_photo.kind == "competitor" and offline_photo.distance_m > 1000 and "far" in offline_photo.flags
    assert VisitPhoto.objects.count() == 2


def test_conflicts_and_rejections_stay_on_the_phone_with_the_servers_reason_until_the_rep_resolves_them(actors, phone):
    import uuid

    from shangji.customers.services import customer_fields_of, customer_update
    from shangji.visits.services import visits_sync

    rep = actors.rep
    kept = make_customer(rep, name="上海恒瑞精密机械有限公司")
    handed = make_customer(rep, name="上海东方轴承有限公司")
    items = [{"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "planned",
              "planned_on": timezone.localdate().isoformat(), "plan_position": position}
             for position, customer in enumerate((kept, handed), start=1)]
    visits_sync(actor=rep, items=items)
    page = phone
    open_today(page, rep.username)
    expect(page.locator("#plan-list > li")).to_have_count(2)

    # Offline, the rep records both visits; meanwhile another device of the rep moves the first one and the second
    # customer goes to another rep.
    page.context.set_offline(True)
    first, second = card(page, "上海恒瑞精密机械有限公司"), card(page, "上海东方轴承有限公司")
    for visit_card, keyword, action in ((first, "交期慢", "周五前发报价单"), (second, "库存不足", "下周一安排补货")):
        visit_card.get_by_role("button", name="填写拜访记录").click()
        fill_visit(page, keyword=keyword, action=action)
        page.get_by_role("button", name="保存拜访记录").click()
        expect(visit_card.locator(".rep-sync-state")).to_have_text("待同步")
    [moved] = visits_sync(actor=rep, items=[items[0] | {"plan_position": 7, "version": 1}])
    assert moved.outcome == "updated" and moved.version == 2
    customer_update(customer=handed, actor=actors.admin, fields=customer_fields_of(handed), owner=actors.other_rep)

    page.context.set_offline(False)
    expect(first.locator(".rep-sync-state")).to_have_text("有冲突", timeout=15_000)
    expect(first.locator(".rep-errors")).to_contain_text("这条拜访已在别处修改（服务器版本 2）")
    expect(second.locator(".rep-sync-state")).to_have_text("被拒绝")
    expect(second.locator(".rep-errors")).to_contain_text("你已无权查看该客户")
    expect(page.locator("#queue-list")).to_contain_text("请在手机上修改客户或删除")
    assert Visit.objects.get(client_id=items[0]["client_id"]).status == "planned"

    # The conflict: the form shows the server's reason; the rep keeps their version.
    first.get_by_role("button", name="修改记录").click()
    expect(page.locator("#form-alert")).to_contain_text("服务器版本 2")
    page.locator("#form-back").click()
    first.get_by_role("button", name="用我的覆盖").click()
    expect(first.locator(".rep-sync-state")).to_have_count(0)
    visit = Visit.objects.get(client_id=items[0]["client_id"])
    assert visit.status == "recorded" and visit.version == 3 and visit.committed_action == "周五前发报价单"

    # The rejection is kept on the device (a reload included) until the rep discards it.
    page.reload()
    page.wait_for_selector("body[data-rep-ready]")
    expect(second.locator(".rep-sync-state")).to_have_text("被拒绝")
    page.once("dialog", lambda dialog: dialog.accept())
    second.get_by_role("button", name="放弃").click()
    expect(second).to_have_count(0)
    expect(page.locator("#sync-badge")).to_have_text("全部已同步")
    assert Visit.objects.get(client_id=items[1]["client_id"]).status == "planned"  # the server's copy untouched


# A microphone for headless chromium: a real MediaStream from a tone, so MediaRecorder records for real.
FAKE_MICROPHONE = """
navigator.mediaDevices.getUserMedia = async () => {
  const context = new AudioContext();
  const tone = context.createOscillator();
  const out = context.createMediaStreamDestination();
  tone.connect(out);
  tone.start();
  return out.stream;
};
"""


def test_recordings_chosen_and_recorded_offline_upload_once_after_the_visit_syncs(actors, phone):
    import uuid

    from shangji.visits.models import VisitRecording
    from shangji.visits.services import visits_sync
    from shangji.visits.tests.test_recordings import wav

    rep = actors.rep
    shop = make_customer(rep, name="上海恒瑞精密机械有限公司")
    visits_sync(actor=rep, items=[{"client_id": str(uuid.uuid4()), "customer": shop.pk, "status": "planned",
                                   "planned_on": timezone.localdate().isoformat(), "plan_position": 1}])
    page = phone
    page.add_init_script(FAKE_MICROPHONE)
    open_today(page, rep.username)
    page.context.set_offline(True)
    visit_card = card(page, "上海恒瑞精密机械有限公司")
    visit_card.get_by_role("button", name="填写拜访记录").click()
    fill_visit(page, keyword="交期慢", action="周五前发报价单")
    expect(page.locator('[data-field="recording"] .rep-points')).to_have_text("+10 积分")
    page.locator("#recording-file").set_input_files(
        files=[{"name": "门店谈话.wav", "mimeType": "audio/wav", "buffer": wav(1.0)}])
    expect(page.locator("#recording-list")).to_contain_text("门店谈话.wav · 0:01")
    page.get_by_role("button", name="录音", exact=True).click()
    expect(page.locator("#recording-note")).to_contain_text("正在录音")
    page.wait_for_timeout(1500)
    shot(page, "audio-recording-phone")
    page.get_by_role("button", name="停止").click()
    expect(page.locator("#recording-list > li")).to_have_count(2)
    expect(page.locator("#recording-list > li").nth(1)).to_contain_text(".webm")
    page.locator('[data-field="recording"]').scroll_into_view_if_needed()
    shot(page, "audio-form-phone")
    page.get_by_role("button", name="保存拜访记录").click()
    expect(visit_card).to_contain_text("录音待上传 × 2")
    expect(page.locator("#queue-list [data-queue-recording]")).to_have_count(2)
    assert not VisitRecording.objects.exists()

    page.context.set_offline(False)
    expect(page.locator("#sync-badge")).to_have_text("全部已同步", timeout=15_000)
    recordings = list(VisitRecording.objects.order_by("content_type"))
    assert [r.content_type for r in recordings] == ["audio/wav", "audio/webm"]
    assert recordings[0].duration_s == 1.0 and recordings[1].size > 0
    visit = recordings[0].visit
    assert visit.status == "recorded" and visit.points == 10 and recordings[1].visit_id == visit.pk

    # The form shows what the visit already has; a second sync sends nothing again.
    visit_card.get_by_role("button", name="修改记录").click()
    expect(page.locator("#recording-note")).to_have_text("录音 × 2")
    assert VisitRecording.objects.count() == 2

    # On the customer's page the recordings play in the browser (served through the API to who sees the visit).
    page.goto(f"/customers/{shop.pk}/")
    players = page.locator("#customer-visits audio")
    expect(players).to_have_count(2)
    # The WAV's (the queue sends in no set order; a MediaRecorder WebM has no duration in its header)
    wav_player = page.locator(f'[data-recording="{recordings[0].pk}"] audio')
    duration = wav_player.evaluate("""(audio) => new Promise((resolve) => {
        audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true });
        audio.addEventListener("error", () => resolve(-1), { once: true });
        audio.preload = "metadata";
        audio.load();
    })""")
    assert duration == pytest.approx(1.0, abs=0.01)
    page.locator("#customer-visits").scroll_into_view_if_needed()
    shot(page, "audio-customer-timeline-phone")
    shot(page, "audio-customer-timeline-desktop", desktop=True)


def test_a_route_order_made_while_the_plan_is_still_syncing_reaches_the_server(actors, phone):
    """The sync's answer for a visit and the rep's next edit of it meet on the phone: the edit must win."""
    rep = actors.rep
    make_customer(rep, name="上海东方轴承有限公司", latitude=Decimal("31.240000"), longitude=Decimal("121.460000"))
    make_customer(rep, name="上海恒瑞精密机械有限公司", latitude=SHOP[0], longitude=SHOP[1])
    page = phone
    open_today(page, rep.username)
    held, released = [], []

    def slow_network(route):  # sync requests wait until the test releases them
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/visits/sync/", slow_network)
    add_to_plan(page, "东方", "上海东方轴承有限公司")
    add_to_plan(page, "恒瑞", "上海恒瑞精密机械有限公司")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the phone never sent its plan"

    page.get_by_role("button", name="按路线排序").click()
    expect(page.locator("#plan-list > li").first).to_have_attribute("data-customer", "上海恒瑞精密机械有限公司")
    released.append(True)
    for route in held:
        route.continue_()

    expect(page.locator("#sync-badge")).to_have_text("全部已同步")
    page.reload()
    page.wait_for_selector("body[data-rep-ready]")
    expect(page.locator("#plan-list > li").first).to_have_attribute("data-customer", "上海恒瑞精密机械有限公司")
    positions = dict(Visit.objects.filter(owner=rep).values_list("customer__name", "plan_position"))
    assert positions == {"上海恒瑞精密机械有限公司": 1, "上海东方轴承有限公司": 2}
