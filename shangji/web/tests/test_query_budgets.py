"""Lists carry query budgets: the number of queries does not grow with the rows shown (no N+1)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shangji.conftest import PASSWORD, make_customer, make_opportunity
from shangji.customers.services import ContactFields, contact_create

pytestmark = pytest.mark.django_db

PAGES = {"/customers/": 12, "/opportunities/": 12, "/opportunities/kanban/": 22, "/": 14,
         "/opportunities/changes/": 14}
API = {"/api/customers/": 8, "/api/opportunities/": 9, "/api/contacts/": 8, "/api/stage-changes/": 8}


def add_records(actors, count, offset):
    for n in range(offset, offset + count):
        customer = make_customer(actors.rep, name=f"第{n}号测试客户有限公司", duplicate_override_reason="测试")
        contact_create(customer=customer, actor=actors.rep, fields=ContactFields(name=f"联系人{n}"))
        make_opportunity(actors.rep, customer, name=f"商机{n}", stage="谈判" if n % 2 else "接触")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("viewer", ["rep", "team_lead", "director"])
def test_pages_and_api_lists_stay_within_budget_whatever_the_row_count(actors, api, viewer):
    user = getattr(actors, viewer)
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    add_records(actors, 3, 0)
    few = {url: count_queries(client, url) for url in PAGES} | {url: count_queries(api(user), url) for url in API}
    add_records(actors, 12, 100)
    many = {url: count_queries(client, url) for url in PAGES} | {url: count_queries(api(user), url) for url in API}
    assert many == few
    budgets = PAGES | API
    assert {url: n for url, n in many.items() if n > budgets[url]} == {}
