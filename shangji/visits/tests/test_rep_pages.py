"""The rep's phone pages on the server side: the page, its day data, customer search, the manifest and the service
worker (V1, V5)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shangji.conftest import make_customer, signed_in
from shangji.core.services import setting_update
from shangji.pipeline.models import Product
from shangji.visits.models import ObjectionType, TalkTrack, Visit
from shangji.visits.services import visits_sync

pytestmark = pytest.mark.django_db


def plan(actor, customer, *, position=1, day=None, **fields):
    item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "planned",
            "planned_on": (day or timezone.localdate()).isoformat(), "plan_position": position} | fields
    [result] = visits_sync(actor=actor, items=[item])
    assert result.outcome == "created", result.errors
    return Visit.objects.get(client_id=item["client_id"])


def test_today_page_renders_in_chinese_for_a_rep_with_the_manifest_and_the_three_required_fields(actors):
    response = signed_in(actors.rep).get("/visits/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("今日拜访", "按路线排序", "客户痛点关键词", "本次承诺动作", "下次跟进时间", "今日主推产品",
                 "客户关键诉求", "明日行动项", 'href="/visits/manifest.webmanifest"', 'capture="environment"',
                 "同步队列"):
        assert text in page, text
    assert "csrftoken" in response.cookies  # the phone's script posts with it, also from a cached page
    # The phone's queue is kept per user: another login on a shared phone never sends this rep's visits.
    assert f'<script id="rep-user" type="application/json">{actors.rep.pk}</script>' in page


def test_optional_fields_show_the_points_setting_not_a_constant(actors):
    setting_update(key="visits.points_per_field", raw_value="25", actor=actors.admin)
    page = signed_in(actors.rep).get("/visits/").content.decode()
    assert page.count("+25 积分") == 7  # three photo kinds, recording, competitor price, stock level, notes
    assert "+10 积分" not in page


def test_anonymous_visitors_are_sent_to_login_from_the_page_the_data_and_the_search(client):
    for url in ("/visits/", "/visits/data.json", "/visits/customers/?q=a"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_service_worker_is_javascript_scoped_to_the_rep_pages_and_lists_the_shell(client):
    response = client.get("/visits/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/visits/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    config = json.loads(body.split("\n", 1)[0].removeprefix("const SW_CONFIG = ").removesuffix(";"))
    assert config["scope"] == "/visits/" and config["data"] == "/visits/data.json"
    assert "/visits/" in config["shell"] and "/static/visits/app.js" in config["shell"]
    assert "/static/vendor/echarts/echarts.min.js" in config["shell"]
    assert 'addEventListener("fetch"' in body


def test_every_file_of_the_offline_shell_exists_so_the_service_worker_installs(actors):
    # One missing file fails the whole install (cache.addAll), and the phone would have no offline page.
    client = signed_in(actors.rep)
    body = client.get("/visits/sw.js").content.decode()
    for url in json.loads(body.split("\n", 1)[0][17:-1])["shell"]:
        assert client.get(url).status_code == 200, url


def test_service_worker_version_follows_the_shell_files(client, monkeypatch):
    from shangji.visits import views

    first = client.get("/visits/sw.js").content.decode().split("\n", 1)[0]
    real = views._read_static
    monkeypatch.setattr(views, "_read_static", lambda path: real(path) + (b"//x" if path.endswith("app.js") else b""))
    second = client.get("/visits/sw.js").content.decode().split("\n", 1)[0]
    assert json.loads(first[17:-1])["version"] != json.loads(second[17:-1])["version"]


def test_manifest_is_valid_json_with_a_chinese_name_start_url_scope_and_icons_that_exist(client):
    response = client.get("/visits/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert "拜访" in manifest["name"] and manifest["start_url"] == "/visits/" and manifest["scope"] == "/visits/"
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_day_data_holds_the_reps_plan_in_order_with_cards_products_and_talk_tracks(actors):
    near = make_customer(actors.rep, name="上海恒瑞精密机械有限公司", address="浦东新区张江路 1 号",
                         latitude=Decimal("31.2000"), longitude=Decimal("121.6000"))
    far = make_customer(actors.rep, name="上海东方轴承有限公司")
    second = plan(actors.rep, far, position=2)
    first = plan(actors.rep, near, position=1)
    plan(actors.rep, near, position=3, day=timezone.localdate() + timedelta(days=1))  # tomorrow: not today
    Product.objects.create(sku="P-1", name="工业润滑油", list_price="100.00")
    Product.objects.create(sku="P-OLD", name="停售产品", list_price="1.00", is_active=False)
    objection = ObjectionType.objects.create(name="测试异议", sequence=99)
    TalkTrack.objects.create(objection=objection, title="先认同", answer="先认同客户的顾虑。")

    data = signed_in(actors.rep).get("/visits/data.json").json()
    assert data["today"] == timezone.localdate().isoformat()
    assert [visit["client_id"] for visit in data["visits"]] == [str(first.client_id), str(second.client_id)]
    card = data["customers"][str(near.pk)]
    assert card["address"] == "浦东新区张江路 1 号" and card["latitude"] == 31.2 and card["longitude"] == 121.6
    assert data["customers"][str(far.pk)]["latitude"] is None
    assert [product["name"] for product in data["products"]] == ["工业润滑油"]
    [tracks] = [row["talk_tracks"] for row in data["objections"] if row["name"] == "测试异议"]
    assert tracks == [{"title": "先认同", "answer": "先认同客户的顾虑。"}]
    assert data["settings"]["points_per_field"] == 10


def test_day_data_shows_the_server_check_in_distance_and_flag(actors):
    customer = make_customer(actors.rep, latitude=Decimal("31.2000"), longitude=Decimal("121.6000"))
    plan(actors.rep, customer, status="checked_in", checked_in_at=timezone.now().isoformat(),
         checkin_latitude=Decimal("31.2080"), checkin_longitude=Decimal("121.6000"))  # about 890 m north
    [visit] = signed_in(actors.rep).get("/visits/data.json").json()["visits"]
    assert visit["checkin_flag"] == "far" and visit["checkin_flag_label"] == "签到位置离客户过远"
    assert 850 < visit["checkin_distance_m"] < 930


def test_a_rep_sees_only_their_own_plan_and_visible_customers_in_the_day_data(actors):
    mine = make_customer(actors.rep, name="上海恒瑞精密机械有限公司")
    teammates = make_customer(actors.teammate, name="上海王芳客户有限公司")
    others = make_customer(actors.other_rep, name="深圳南方电子有限公司")
    plan(actors.rep, mine)
    plan(actors.teammate, teammates)
    plan(actors.other_rep, others)

    data = signed_in(actors.rep).get("/visits/data.json").json()
    assert [visit["customer"] for visit in data["visits"]] == [mine.pk]
    assert set(data["customers"]) == {str(mine.pk)}
    # A manager sees the team's customers but plans only their own day.
    lead_data = signed_in(actors.team_lead).get("/visits/data.json").json()
    assert lead_data["visits"] == []
    assert {str(mine.pk), str(teammates.pk)} <= set(lead_data["customers"])
    assert str(others.pk) not in lead_data["customers"]


def test_customer_search_answers_only_visible_customers(actors):
    make_customer(actors.rep, name="上海恒瑞精密机械有限公司")
    make_customer(actors.other_rep, name="深圳恒瑞电子有限公司")
    rep = signed_in(actors.rep)
    names = [row["name"] for row in rep.get("/visits/customers/", {"q": "恒瑞"}).json()["results"]]
    assert names == ["上海恒瑞精密机械有限公司"]
    assert rep.get("/visits/customers/", {"q": ""}).json()["results"] == []


def test_offline_customer_cards_follow_the_setting(actors):
    for number in range(3):
        make_customer(actors.rep, name=f"上海测试客户{number}号有限公司")
    setting_update(key="visits.offline_customers", raw_value="2", actor=actors.admin)
    assert len(signed_in(actors.rep).get("/visits/data.json").json()["customers"]) == 2


def test_day_data_query_count_does_not_grow_with_the_plan(actors, django_assert_max_num_queries):
    customers = [make_customer(actors.rep, name=f"上海计划客户{n}号有限公司") for n in range(6)]
    for position, customer in enumerate(customers, start=1):
        plan(actors.rep, customer, position=position)
    client = signed_in(actors.rep)
    with django_assert_max_num_queries(20):
        assert len(client.get("/visits/data.json").json()["visits"]) == 6


def test_a_customer_handed_to_another_rep_leaves_the_plan_but_its_visit_stays(actors):
    from shangji.customers.services import customer_fields_of, customer_update

    customer = make_customer(actors.rep)
    visit = plan(actors.rep, customer)
    customer_update(customer=customer, actor=actors.admin, fields=customer_fields_of(customer), owner=actors.other_rep)
    data = signed_in(actors.rep).get("/visits/data.json").json()
    assert data["visits"] == [] and str(customer.pk) not in data["customers"]
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_customer_cards_show_the_last_visit_before_today_not_todays(actors):
    customer = make_customer(actors.rep)
    earlier = (timezone.now() - timedelta(days=3)).isoformat()
    visits_sync(actor=actors.rep, items=[{
        "client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded", "visited_at": earlier,
        "pain_keywords": ["交期慢"], "committed_action": "发报价单", "next_follow_up_at": timezone.now().isoformat()}])
    plan(actors.rep, customer, status="recorded", pain_keywords=["库存"], committed_action="今天的承诺",
         next_follow_up_at=timezone.now().isoformat())
    card = signed_in(actors.rep).get("/visits/data.json").json()["customers"][str(customer.pk)]
    assert card["last_visit"]["committed_action"] == "发报价单"
    assert card["last_visit"]["pain_keywords"] == ["交期慢"]
