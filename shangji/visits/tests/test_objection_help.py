"""`GET /api/visits/objection-help/` (V6): the objection's talk tracks and a success case chosen by same city and
industry, then same city, then same industry — preferring wins where a visit met the same objection first."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from shangji.conftest import make_customer, make_opportunity, stage
from shangji.customers.models import Industry
from shangji.pipeline.models import Product
from shangji.pipeline.services import LineInput, opportunity_move
from shangji.visits import services
from shangji.visits.models import ObjectionType, TalkTrack

pytestmark = pytest.mark.django_db
URL = "/api/visits/objection-help/"


@pytest.fixture
def setup(actors, no_gates):
    retail, machinery = Industry.objects.get(name="快消品"), Industry.objects.get(name="制造业")
    asking = make_customer(actors.rep, name="上海佳禾超市有限公司", city_id=actors.shanghai.pk, industry_id=retail.pk)
    price = ObjectionType.objects.get(name="价格太高")
    return {"asking": asking, "retail": retail, "machinery": machinery, "price": price}


def _won(owner, name, *, city, industry, at: datetime, amount="80000.00", deal="门店补货系统", lines=None):
    customer = make_customer(owner, name=name, city_id=getattr(city, "pk", None), industry_id=getattr(industry, "pk",
                                                                                                      None))
    with time_machine.travel(at, tick=False):
        from shangji.pipeline.services import opportunity_create

        opportunity = opportunity_create(actor=owner, customer=customer, name=deal, amount=amount,
                                         stage=stage("谈判"), lines=lines)
        opportunity_move(opportunity=opportunity, actor=owner, to_stage=stage("成交"))
    return customer


def _visit(owner, customer, *, at: datetime, objection=None, action="下周提供分期付款方案"):
    with time_machine.travel(at, tick=False):
        [result] = services.visits_sync(actor=owner, items=[{
            "client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded", "pain_keywords": ["价格"],
            "committed_action": action, "next_follow_up_at": (at + timedelta(days=3)).isoformat(),
            "visited_at": at.isoformat(), "objection": objection.pk if objection else None}])
    assert result.outcome == "created", result.errors


def _help(api, user, objection, customer):
    return api(user).get(URL, {"objection": objection.pk, "customer": customer.pk})


def test_the_answer_carries_the_objections_talk_tracks_in_order(actors, api, setup):
    body = _help(api, actors.rep, setup["price"], setup["asking"]).json()
    expected = list(TalkTrack.objects.filter(objection=setup["price"]).order_by("sequence", "id")
                    .values_list("title", "answer"))
    assert body["objection"] == "价格太高"
    assert [(t["title"], t["answer"]) for t in body["talk_tracks"]] == expected and expected
    assert body["case"] is None and body["case_basis"] == ""


def test_a_win_in_the_same_city_and_industry_beats_a_more_recent_win_in_the_same_city(actors, api, setup):
    _won(actors.teammate, "上海联华便利有限公司", city=actors.shanghai, industry=setup["retail"],
         at=datetime(2026, 9, 1, 4, tzinfo=UTC))
    _won(actors.teammate, "上海精工机床有限公司", city=actors.shanghai, industry=setup["machinery"],
         at=datetime(2026, 10, 1, 4, tzinfo=UTC))
    body = _help(api, actors.rep, setup["price"], setup["asking"]).json()
    assert body["case_basis"] == "同城同行业"
    assert body["case"]["customer"] == "上海联华便利有限公司" and body["case"]["won_on"] == "2026-09-01"
    assert set(body["case"]) == {"customer", "city", "industry", "summary", "won_on", "amount"}
    assert (body["case"]["city"], body["case"]["industry"], body["case"]["amount"]) == ("上海", "快消品", "80000.00")


def test_without_a_same_city_and_industry_win_the_basis_falls_back_to_city_then_industry_then_none(actors, api,
                                                                                                 setup):
    _won(actors.other_rep, "深圳美宜佳商贸有限公司", city=actors.shenzhen, industry=setup["retail"],
         at=datetime(2026, 10, 1, 4, tzinfo=UTC))
    assert _help(api, actors.rep, setup["price"], setup["asking"]).json()["case_basis"] == "同行业"
    _won(actors.teammate, "上海精工机床有限公司", city=actors.shanghai, industry=setup["machinery"],
         at=datetime(2026, 8, 1, 4, tzinfo=UTC))
    body = _help(api, actors.rep, setup["price"], setup["asking"]).json()
    assert body["case_basis"] == "同城" and body["case"]["customer"] == "上海精工机床有限公司"


def test_a_win_where_the_same_objection_was_met_first_beats_a_more_recent_one_and_the_summary_says_how(actors, api,
                                                                                                      setup):
    product = Product.objects.create(sku="POS-01", name="智能收银机", list_price=Decimal("4000"))
    earlier = make_customer(actors.teammate, name="上海联华便利有限公司", city_id=actors.shanghai.pk,
                            industry_id=setup["retail"].pk)
    _visit(actors.teammate, earlier, at=datetime(2026, 9, 1, 2, tzinfo=UTC), objection=setup["price"],
           action="下周提供分期付款方案")
    from shangji.pipeline.services import opportunity_create

    with time_machine.travel(datetime(2026, 9, 19, 4, tzinfo=UTC), tick=False):
        deal = opportunity_create(actor=actors.teammate, customer=earlier, name="收银系统升级", amount="96000",
                                  stage=stage("谈判"), lines=[LineInput(product.pk, Decimal("24"))])
        opportunity_move(opportunity=deal, actor=actors.teammate, to_stage=stage("成交"))
    _won(actors.teammate, "上海好德便利有限公司", city=actors.shanghai, industry=setup["retail"],
         at=datetime(2026, 10, 20, 4, tzinfo=UTC))  # more recent, but nobody met this objection there
    case = _help(api, actors.rep, setup["price"], setup["asking"]).json()["case"]
    assert case["customer"] == "上海联华便利有限公司"
    assert case["summary"] == ("收银系统升级（产品：智能收银机）：2026-09-01 拜访时客户提出“价格太高”，"
                               "销售承诺“下周提供分期付款方案”，18 天后赢单，金额 96,000.00 元。")


def test_a_visit_after_the_win_does_not_count_as_meeting_the_objection(actors, api, setup):
    before = _won(actors.teammate, "上海联华便利有限公司", city=actors.shanghai, industry=setup["retail"],
                  at=datetime(2026, 9, 1, 4, tzinfo=UTC))
    _visit(actors.teammate, before, at=datetime(2026, 9, 5, 2, tzinfo=UTC), objection=setup["price"])
    _won(actors.teammate, "上海好德便利有限公司", city=actors.shanghai, industry=setup["retail"],
         at=datetime(2026, 10, 20, 4, tzinfo=UTC))
    assert _help(api, actors.rep, setup["price"], setup["asking"]).json()["case"]["customer"] == "上海好德便利有限公司"


def test_the_customers_own_win_is_not_its_success_case(actors, api, setup):
    from shangji.pipeline.services import opportunity_create

    deal = opportunity_create(actor=actors.rep, customer=setup["asking"], name="自己的单", amount="1000",
                              stage=stage("谈判"))
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("成交"))
    assert _help(api, actors.rep, setup["price"], setup["asking"]).json()["case"] is None


def test_an_open_or_lost_deal_is_no_success_case(actors, api, setup):
    customer = make_customer(actors.teammate, name="上海联华便利有限公司", city_id=actors.shanghai.pk,
                             industry_id=setup["retail"].pk)
    make_opportunity(actors.teammate, customer, stage="谈判")
    assert _help(api, actors.rep, setup["price"], setup["asking"]).json()["case"] is None


def test_a_customer_the_user_cannot_see_is_404(actors, api, setup):
    theirs = make_customer(actors.other_rep, name="深圳美宜佳商贸有限公司")
    assert _help(api, actors.rep, setup["price"], theirs).status_code == 404
    assert _help(api, actors.team_lead, setup["price"], setup["asking"]).status_code == 200  # the rep's manager


def test_anonymous_callers_are_refused(actors, api, setup):
    assert _help(api, None, setup["price"], setup["asking"]).status_code in (401, 403)


def test_missing_or_bad_ids_are_a_400_naming_the_field_and_an_unknown_objection_is_404(actors, api, setup):
    response = api(actors.rep).get(URL, {"customer": "abc"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"objection", "customer"}
    assert api(actors.rep).get(URL, {"objection": 999999, "customer": setup["asking"].pk}).status_code == 404


def test_the_openapi_schema_describes_the_endpoint_and_its_answer(actors, api):
    import json

    schema = json.loads(api(actors.admin).get("/api/schema/?format=json").content)
    operation = schema["paths"]["/api/visits/objection-help/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"objection", "customer"}
    assert set(schema["components"]["schemas"]["ObjectionHelp"]["properties"]) == {
        "objection", "talk_tracks", "case", "case_basis"}
