"""A2 list filters: one per active custom field on the customer and opportunity FilterSets, the same on the page and
as `?cf_<key>=` in the API, on SQLite and PostgreSQL (money is stored as a string and compared as a number)."""

import pytest

from shangji.conftest import make_customer, make_opportunity, signed_in
from shangji.core.customfields.definitions import FieldDefinition, custom_field_create, custom_field_set_active
from shangji.customers.models import Customer
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def define(actors, entity, key, field_type, **kwargs):
    return custom_field_create(actor=actors.sales_ops, entity=entity, definition=FieldDefinition(
        key=key, label=kwargs.pop("label", key), field_type=field_type, **kwargs))


@pytest.fixture
def deals(actors):
    define(actors, "opportunity", "budget", "money", label="预算")
    define(actors, "opportunity", "seats", "number", label="席位")
    define(actors, "opportunity", "due", "date", label="截止日期")
    define(actors, "opportunity", "source", "choice", label="来源", choices=("展会", "转介", "官网"))
    define(actors, "opportunity", "modules", "multi_choice", label="模块", choices=("ERP", "MES", "WMS"))
    define(actors, "opportunity", "urgent", "boolean", label="加急")
    define(actors, "opportunity", "partner", "user", label="合作售前")
    define(actors, "opportunity", "memo", "text", label="备忘")
    values = {
        "a": {"budget": "9.50", "seats": 5, "due": "2025-01-15", "source": "展会", "modules": ["ERP"],
              "urgent": True, "partner": actors.presales.pk, "memo": "Needs ERP 升级"},
        "b": {"budget": "100.00", "seats": 12.5, "due": "2025-03-01", "source": "转介", "modules": ["ERP", "MES"],
              "urgent": False, "memo": "另一条"},
        "c": {"budget": "2000000.00", "seats": 120, "due": "2024-12-31", "modules": ["WMS"]},
        "d": {},
    }
    records = {}
    for name, custom in values.items():
        deal = make_opportunity(actors.rep, name=f"商机{name}")
        Opportunity.objects.filter(pk=deal.pk).update(custom=custom)
        records[name] = deal
    return records


CASES = [
    ({"cf_budget_min": "10"}, {"b", "c"}),
    ({"cf_budget_min": "9.5", "cf_budget_max": "100"}, {"a", "b"}),
    ({"cf_budget_max": "99.99"}, {"a"}),
    ({"cf_seats_min": "12.5"}, {"b", "c"}),
    ({"cf_seats_max": "12"}, {"a"}),
    ({"cf_due_from": "2025-01-01"}, {"a", "b"}),
    ({"cf_due_from": "2025-01-15", "cf_due_to": "2025-01-15"}, {"a"}),
    ({"cf_due_to": "2024-12-31"}, {"c"}),
    ({"cf_source": "转介"}, {"b"}),
    ({"cf_modules": "ERP"}, {"a", "b"}),
    ({"cf_modules": "WMS"}, {"c"}),
    ({"cf_urgent": "true"}, {"a"}),
    ({"cf_urgent": "false"}, {"b"}),
    ({"cf_memo": "erp"}, {"a"}),
    ({"cf_memo": "条"}, {"b"}),
    ({"cf_modules": "MES", "cf_budget_min": "50"}, {"b"}),
]


@pytest.mark.parametrize("query, expected", CASES)
def test_opportunity_filters_on_the_api(actors, api, deals, query, expected):
    response = api(actors.rep).get("/api/opportunities/", query)
    assert response.status_code == 200, response.json()
    names = {row["name"].removeprefix("商机") for row in response.json()["results"]}
    assert names == expected


def test_the_user_filter_finds_deals_by_person(actors, api, deals):
    response = api(actors.rep).get("/api/opportunities/", {"cf_partner": actors.presales.pk})
    assert [row["name"] for row in response.json()["results"]] == ["商机a"]


def test_the_list_page_offers_and_applies_the_same_filters(actors, deals):
    client = signed_in(actors.rep)
    page = client.get("/opportunities/", {"cf_budget_min": "10", "cf_modules": "ERP"}).content.decode()
    assert 'name="cf_budget_min"' in page and 'name="cf_due_from"' in page and 'type="date"' in page
    assert 'name="cf_modules"' in page and 'name="cf_urgent"' in page and 'name="cf_partner"' in page
    assert "商机b" in page and "商机a" not in page and "商机c" not in page
    for query, expected in [({"cf_source": "展会"}, 1), ({"cf_urgent": "false"}, 1), ({"cf_modules": "ERP"}, 2)]:
        columns = client.get("/opportunities/kanban/", query).context["columns"]
        assert sum(column.count for column in columns) == expected, query  # totals follow the filter too
    director_page = signed_in(actors.director).get("/opportunities/", {"cf_partner": actors.presales.pk})
    html = director_page.content.decode()
    assert f'<option value="{actors.presales.pk}" selected>孙工</option>' in html
    assert "商机a" in html and "商机b" not in html


def test_filters_still_respect_visibility(actors, api, deals):
    theirs = make_opportunity(actors.other_rep, name="别人的商机")
    Opportunity.objects.filter(pk=theirs.pk).update(custom={"source": "转介"})
    names = [row["name"] for row in api(actors.rep).get("/api/opportunities/", {"cf_source": "转介"}).json()["results"]]
    assert names == ["商机b"]


def test_a_bad_filter_value_is_a_clear_error(actors, api, deals):
    response = api(actors.rep).get("/api/opportunities/", {"cf_budget_min": "很多"})
    assert response.status_code == 400


def test_customer_filters_and_deactivated_fields_drop_out(actors, api):
    field = define(actors, "customer", "tier", "choice", label="渠道级别", choices=("一级", "二级"))
    first = make_customer(actors.rep, name="无锡新锐精工有限公司")
    make_customer(actors.rep, name="常州恒力机电有限公司")
    Customer.objects.filter(pk=first.pk).update(custom={"tier": "一级"})
    client = api(actors.rep)
    assert [r["id"] for r in client.get("/api/customers/", {"cf_tier": "一级"}).json()["results"]] == [first.pk]
    page = signed_in(actors.rep).get("/customers/", {"cf_tier": "一级"}).content.decode()
    assert 'name="cf_tier"' in page and "无锡新锐精工" in page and "常州恒力机电" not in page
    custom_field_set_active(field=field, actor=actors.sales_ops, is_active=False)
    assert len(client.get("/api/customers/", {"cf_tier": "一级"}).json()["results"]) == 2
    assert 'name="cf_tier"' not in signed_in(actors.rep).get("/customers/").content.decode()
