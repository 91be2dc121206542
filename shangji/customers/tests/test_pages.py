import pytest

from shangji.conftest import make_customer, signed_in
from shangji.customers.models import Contact, Interaction

pytestmark = pytest.mark.django_db


def test_owner_adds_a_contact_and_an_interaction_on_the_detail_page(actors):
    customer = make_customer(actors.rep, name="常州天宁精工有限公司")
    client = signed_in(actors.rep)
    page = client.post(f"/customers/{customer.pk}/contacts/", {
        "name": "顾总", "title": "总经理", "mobile": "139 1234 5678", "decision_role": "decision_maker",
        "attitude": "supporter"}, follow=True).content.decode()
    assert "已添加联系人" in page and "顾总" in page and "13912345678" in page
    page = client.post(f"/customers/{customer.pk}/interactions/", {"kind": "visit", "summary": "现场调研产线"},
                       follow=True).content.decode()
    assert "已记录互动" in page and "现场调研产线" in page


def test_a_bad_mobile_is_reported_and_nothing_is_saved(actors):
    customer = make_customer(actors.rep, name="常州天宁精工有限公司")
    page = signed_in(actors.rep).post(f"/customers/{customer.pk}/contacts/", {
        "name": "顾总", "mobile": "12", "decision_role": "user", "attitude": "neutral"}, follow=True)
    assert "号码" in page.content.decode()
    assert not Contact.objects.exists()


def test_a_teammate_cannot_add_contacts_or_interactions_to_a_customer_they_cannot_see(actors):
    customer = make_customer(actors.rep, name="常州天宁精工有限公司")
    client = signed_in(actors.teammate)
    assert client.post(f"/customers/{customer.pk}/contacts/", {"name": "x", "decision_role": "user",
                                                              "attitude": "neutral"}).status_code == 404
    assert client.post(f"/customers/{customer.pk}/interactions/", {"kind": "call", "summary": "x"}).status_code == 404
    assert not Contact.objects.exists() and not Interaction.objects.exists()


def test_creating_a_near_duplicate_on_the_page_needs_the_typed_reason(actors):
    make_customer(actors.other_rep, name="深圳市华强电子有限公司")
    client = signed_in(actors.rep)
    page = client.post("/customers/new/", {"name": "华强电子（深圳）有限公司", "grade": "C"}).content.decode()
    assert "疑似重复客户" in page and "李娜" in page
    response = client.post("/customers/new/", {"name": "华强电子（深圳）有限公司", "grade": "C",
                                               "duplicate_override_reason": "同名不同主体"})
    assert response.status_code == 302


def test_the_match_partial_shows_owner_but_no_link_for_a_customer_the_rep_cannot_open(actors):
    theirs = make_customer(actors.other_rep, name="深圳市华强电子有限公司")
    html = signed_in(actors.rep).get("/customers/match/", {"name": "华强电子"}).content.decode()
    assert "李娜" in html and "无权查看" in html and f"/customers/{theirs.pk}/" not in html
