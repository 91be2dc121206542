"""O2: who sees the rep's customer, contact, interaction and deal — in every page and API endpoint."""

import pytest
from django.test import Client

from shangji.conftest import PASSWORD, make_customer, make_opportunity
from shangji.customers.models import CustomerShare
from shangji.customers.services import ContactFields, contact_create, interaction_record

pytestmark = pytest.mark.django_db

SEES = {
    "rep": True, "teammate": False, "other_rep": False, "team_lead": True, "regional_manager": True,
    "other_manager": False, "director": True, "presales": True, "finance": True, "sales_ops": True, "admin": True,
}


@pytest.fixture
def world(actors):
    customer = make_customer(actors.rep, name="杭州云栖数据科技有限公司")
    CustomerShare.objects.create(customer=customer, user=actors.presales)
    contact = contact_create(customer=customer, actor=actors.rep, fields=ContactFields(name="马经理"))
    interaction = interaction_record(customer=customer, actor=actors.rep, kind="call", summary="电话沟通需求")
    deal = make_opportunity(actors.rep, customer)
    make_opportunity(actors.other_rep, name="深圳的商机")  # noise that nobody east may see
    return {"customer": customer, "contact": contact, "interaction": interaction, "deal": deal}


def api_urls(world):
    c, k, i, d = world["customer"].pk, world["contact"].pk, world["interaction"].pk, world["deal"].pk
    return {
        "detail": [f"/api/customers/{c}/", f"/api/contacts/{k}/", f"/api/interactions/{i}/",
                   f"/api/opportunities/{d}/", f"/api/opportunities/{d}/history/"],
        "list": [("/api/customers/", c), ("/api/contacts/", k), ("/api/interactions/", i),
                 ("/api/opportunities/", d), (f"/api/stage-changes/?opportunity={d}", d)],
    }


@pytest.mark.parametrize("name", [*SEES, "anonymous"])
def test_api_shows_the_reps_records_exactly_to_those_allowed(actors, api, world, name):
    user = actors.all()[name]
    client = api(user)
    urls = api_urls(world)
    for url in urls["detail"]:
        response = client.get(url)
        expected = 401 if user is None else (200 if SEES[name] else 404)
        assert response.status_code == expected, (name, url, response.status_code)
    for url, record_id in urls["list"]:
        response = client.get(url)
        if user is None:
            assert response.status_code == 401
            continue
        ids = {row.get("opportunity", row["id"]) if "stage-changes" in url else row["id"]
               for row in response.json()["results"]}
        assert (record_id in ids) is SEES[name], (name, url)


@pytest.mark.parametrize("name", [*SEES, "anonymous"])
def test_pages_show_the_reps_records_exactly_to_those_allowed(actors, world, name):
    user = actors.all()[name]
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    customer, deal = world["customer"], world["deal"]
    for url in (f"/customers/{customer.pk}/", f"/opportunities/{deal.pk}/"):
        response = client.get(url)
        expected = 302 if user is None else (200 if SEES[name] else 404)
        assert response.status_code == expected, (name, url)
    for url, text in (("/customers/", customer.name), ("/opportunities/", deal.name),
                      ("/opportunities/kanban/", deal.name), ("/customers/export.csv", customer.name),
                      ("/opportunities/export.csv", deal.name), ("/opportunities/changes/", deal.name)):
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "/login/" in response["Location"]
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert (text in body.decode()) is SEES[name], (name, url)
    if user is not None:
        south_visible = name in {"other_rep", "other_manager", "director", "finance", "sales_ops", "admin"}
        assert ("深圳的商机" in client.get("/opportunities/").content.decode()) is south_visible, name


CHANGES = {"rep": True, "team_lead": True, "regional_manager": True, "director": True, "sales_ops": True,
           "admin": True, "presales": False, "finance": False}


@pytest.mark.parametrize("name", [*SEES, "anonymous"])
def test_edit_pages_open_only_for_those_who_may_change_the_record(actors, world, name):
    user = actors.all()[name]
    client = Client()
    if user is not None:
        client.login(username=user.username, password=PASSWORD)
    for url in (f"/customers/{world['customer'].pk}/edit/", f"/opportunities/{world['deal'].pk}/edit/",
                f"/opportunities/new/?customer={world['customer'].pk}"):
        status = client.get(url).status_code
        if user is None:
            assert status == 302, url
        elif not SEES[name]:
            assert status in {404, 302}, (name, url)  # new-deal page sends unknown customers back to the list
        else:
            assert status == (200 if CHANGES[name] else 403), (name, url)
