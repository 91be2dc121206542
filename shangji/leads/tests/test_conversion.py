"""L8 on the page and the API: a lead becomes customer (linked or new, through search-before-create) +
contact + opportunity, and the user lands on the new deal."""

from __future__ import annotations

import pytest

from shangji.conftest import make_customer, signed_in
from shangji.customers.models import Contact, Customer
from shangji.leads.choices import LeadStatus
from shangji.leads.tests.test_lead_pages import leads_fixture  # noqa: F401 (the `leads` fixture)
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def test_the_convert_page_lists_existing_customers_with_score_and_owner(actors, leads):
    make_customer(actors.rep, name="上海精工机械有限公司")
    make_customer(actors.other_rep, name="上海精工机械股份有限公司")
    html = signed_in(actors.rep).get(f"/leads/{leads.mine.pk}/convert/").content.decode()
    assert "上海精工机械有限公司" in html and "相似度" in html and "负责人：张伟" in html
    assert "负责人：李娜" in html and "无权查看" in html


def test_linking_an_existing_customer_creates_contact_and_deal_and_opens_the_deal(actors, leads):
    customer = make_customer(actors.rep, name="上海精工机械有限公司")
    response = signed_in(actors.rep).post(f"/leads/{leads.mine.pk}/convert/", {
        "customer": customer.pk, "opportunity_name": "ERP 升级", "amount": "500000"})
    opportunity = Opportunity.objects.get(name="ERP 升级")
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{opportunity.pk}/"
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.CONVERTED and leads.mine.customer == customer
    assert leads.mine.opportunity == opportunity and opportunity.customer == customer
    assert opportunity.amount == 500000 and opportunity.owner == actors.rep
    assert Contact.objects.filter(customer=customer, name="黄先生").exists()
    assert Customer.objects.count() == 1


def test_converting_without_a_match_creates_a_new_customer(actors, leads):
    response = signed_in(actors.rep).post(f"/leads/{leads.mine.pk}/convert/", {"customer": "",
                                                                              "opportunity_name": "", "amount": ""})
    assert response.status_code == 302
    leads.mine.refresh_from_db()
    assert leads.mine.customer.name == "上海精工机械有限公司" and leads.mine.customer.owner == actors.rep
    assert leads.mine.opportunity.name == "上海精工机械有限公司 新商机"


def test_a_new_customer_that_looks_like_an_existing_one_needs_a_reason(actors, leads):
    make_customer(actors.other_rep, name="上海精工机械有限公司")
    client = signed_in(actors.rep)
    html = client.post(f"/leads/{leads.mine.pk}/convert/", {"customer": "", "opportunity_name": "ERP"}).content
    assert "疑似重复客户" in html.decode() and "李娜" in html.decode()
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ASSIGNED and Customer.objects.count() == 1
    response = client.post(f"/leads/{leads.mine.pk}/convert/", {
        "customer": "", "opportunity_name": "ERP", "duplicate_override_reason": "同名不同法人主体"})
    assert response.status_code == 302 and Customer.objects.count() == 2


def test_a_customer_the_user_cannot_see_cannot_be_linked(actors, leads):
    theirs = make_customer(actors.other_rep, name="上海精工机械有限公司")
    response = signed_in(actors.rep).post(f"/leads/{leads.mine.pk}/convert/", {"customer": theirs.pk})
    assert response.status_code == 404
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ASSIGNED and not Opportunity.objects.exists()


@pytest.mark.parametrize("who, code", [("teammate", 404), ("finance", 403), ("marketing", 403)])
def test_people_who_may_not_change_the_lead_cannot_convert_it(actors, leads, who, code):
    client = signed_in(getattr(actors, who))
    assert client.post(f"/leads/{leads.mine.pk}/convert/", {"customer": ""}).status_code == code
    leads.mine.refresh_from_db()
    assert leads.mine.status == LeadStatus.ASSIGNED and not Opportunity.objects.exists()


def test_the_api_converts_and_answers_a_duplicate_with_its_candidates(actors, leads, api):
    existing = make_customer(actors.other_rep, name="上海精工机械有限公司")
    url = f"/api/leads/{leads.mine.pk}/convert/"
    refused = api(actors.rep).post(url, {"opportunity_name": "ERP"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "duplicate_suspected"
    assert refused.json()["candidates"][0]["id"] == existing.pk
    assert refused.json()["candidates"][0]["can_open"] is False
    assert not Opportunity.objects.exists()
    hidden = api(actors.rep).post(url, {"customer": existing.pk}, format="json")
    assert hidden.status_code == 400 and "无权查看" in hidden.json()["message"]
    response = api(actors.rep).post(url, {"opportunity_name": "ERP", "amount": "80000",
                                          "duplicate_override_reason": "同名不同法人主体"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "converted" and body["opportunity"] and body["customer"] != existing.pk


def test_the_api_links_a_visible_customer(actors, leads, api):
    customer = make_customer(actors.rep, name="上海精工机械有限公司")
    response = api(actors.team_lead).post(f"/api/leads/{leads.mine.pk}/convert/",
                                          {"customer": customer.pk, "opportunity_name": "ERP"}, format="json")
    assert response.status_code == 200 and response.json()["customer"] == customer.pk
    assert Opportunity.objects.get().owner == actors.rep  # the lead's owner keeps the deal


def test_a_converted_lead_cannot_be_converted_again(actors, leads):
    client = signed_in(actors.rep)
    client.post(f"/leads/{leads.mine.pk}/convert/", {"customer": ""})
    page = client.get(f"/leads/{leads.mine.pk}/convert/", follow=True).content.decode()
    assert "该线索已关闭，不能再转化" in page
    assert Opportunity.objects.count() == 1
