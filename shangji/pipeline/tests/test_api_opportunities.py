import pytest

from shangji.conftest import make_customer, make_opportunity, satisfy_gates, stage
from shangji.core.models import AuditEntry, Event
from shangji.pipeline.models import Opportunity, StageChange

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything a stage move or edit could write."""
    return (list(Opportunity.objects.values_list("pk", "stage_id", "amount", "owner_id", "version", "name")),
            StageChange.objects.count(), AuditEntry.objects.count(), Event.objects.count())


def test_owner_moves_a_deal_through_patch_and_the_history_shows_it(actors, api):
    deal = make_opportunity(actors.rep, stage="接触")
    response = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/",
                                     {"stage": stage("需求确认").pk, "version": deal.version}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["stage_name"] == "需求确认" and response.json()["owner"] == actors.rep.pk
    history = api(actors.rep).get(f"/api/opportunities/{deal.pk}/history/").json()
    assert [(h["from_stage_name"], h["to_stage_name"]) for h in history] == [(None, "接触"), ("接触", "需求确认")]


@pytest.mark.parametrize("name, status", [("teammate", 404), ("other_rep", 404), ("other_manager", 404),
                                          ("presales", 403), ("finance", 403)])
def test_a_stage_move_by_someone_not_allowed_changes_nothing(actors, api, name, status):
    deal = make_opportunity(actors.rep)
    from shangji.customers.models import CustomerShare

    CustomerShare.objects.create(customer=deal.customer, user=actors.presales)
    before = snapshot()
    response = api(getattr(actors, name)).patch(f"/api/opportunities/{deal.pk}/", {"stage": stage("谈判").pk},
                                                format="json")
    assert response.status_code == status
    assert response.json()["code"] in {"not_found", "permission_denied"} and response.json()["message"]
    assert snapshot() == before


def test_the_team_lead_may_move_a_reps_deal(actors, api):
    deal = satisfy_gates(make_opportunity(actors.rep))  # the jump skips gated stages: their evidence is on file
    response = api(actors.team_lead).patch(f"/api/opportunities/{deal.pk}/", {"stage": stage("谈判").pk},
                                           format="json")
    assert response.status_code == 200
    assert StageChange.objects.filter(opportunity=deal).last().changed_by == actors.team_lead


@pytest.mark.parametrize("payload, field", [
    ({"stage": 99999}, "stage"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"name": "长" * 500}, "name"),
    ({"owner": 99999}, "owner"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(actors, api, payload, field):
    deal = make_opportunity(actors.rep)
    before = snapshot()
    response = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"] and body["message"]
    assert snapshot() == before


def test_a_stale_version_gets_409_and_nothing_is_lost(actors, api):
    deal = make_opportunity(actors.rep)
    first = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/", {"amount": "1000", "version": deal.version},
                                  format="json")
    assert first.status_code == 200
    before = snapshot()
    second = api(actors.team_lead).patch(f"/api/opportunities/{deal.pk}/",
                                         {"amount": "2000", "version": deal.version}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "conflict"
    assert "刷新" in second.json()["message"]
    assert snapshot() == before


def test_creating_a_deal_for_an_invisible_customer_is_refused(actors, api):
    hidden = make_customer(actors.other_rep, name="深圳华强电子有限公司")
    before = snapshot()
    response = api(actors.rep).post("/api/opportunities/", {"name": "抢单", "customer": hidden.pk, "amount": "10"},
                                    format="json")
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    assert snapshot() == before


def test_create_with_product_lines_sums_the_amount(actors, api):
    from shangji.pipeline.models import Product

    product = Product.objects.create(sku="PLC-200", name="PLC 控制器", list_price="8000.00")
    customer = make_customer(actors.rep)
    response = api(actors.rep).post("/api/opportunities/", {
        "name": "产线改造", "customer": customer.pk, "expected_close_date": "2027-03-31",
        "lines": [{"product": product.pk, "quantity": "3"}, {"product": product.pk, "quantity": "1",
                                                             "unit_price": "7500"}],
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "31500.00" and body["owner"] == actors.rep.pk and body["stage_name"] == "线索"
    assert [line["subtotal"] for line in body["lines"]] == ["24000.00", "7500.00"]


def test_list_filters_by_stage_and_region_like_the_page(actors, api):
    make_opportunity(actors.rep, stage="谈判", name="东区谈判")
    make_opportunity(actors.other_rep, stage="谈判", name="南区谈判")
    make_opportunity(actors.rep, stage="线索", name="东区线索")
    customer_east = make_customer(actors.rep, name="上海东方明珠实业有限公司", city_id=actors.shanghai.pk)
    make_opportunity(actors.rep, customer_east, stage="谈判", name="上海谈判")
    rows = api(actors.director).get("/api/opportunities/", {"stage": stage("谈判").pk, "region": actors.east.pk})
    assert [row["name"] for row in rows.json()["results"]] == ["上海谈判"]
