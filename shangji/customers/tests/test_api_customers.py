import pytest

from shangji.conftest import make_customer
from shangji.customers.dedup import make_credit_code, make_organization_code
from shangji.customers.models import Contact, Customer, CustomerMatchKey, CustomerMerge, Interaction
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db
VALID_CODE = make_credit_code("91310000" + make_organization_code("MA1FL8TQ"))


def counts():
    return (Customer.objects.count(), CustomerMatchKey.objects.count(), Contact.objects.count())


def test_rep_creates_a_customer_with_normalized_keys(actors, api):
    response = api(actors.rep).post("/api/customers/", {
        "name": " 上海恒瑞精密机械有限公司 ", "credit_code": VALID_CODE.lower(), "phone": "+86 138-0013-8000",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == actors.rep.pk and body["code"].startswith("KH")
    assert body["name"] == "上海恒瑞精密机械有限公司" and body["credit_code"] == VALID_CODE
    assert body["phone"] == "13800138000"


@pytest.mark.parametrize("payload, field, words", [
    ({"credit_code": "91310000MA1FL8TQ3X"}, "credit_code", "校验"),
    ({"credit_code": "123"}, "credit_code", "18"),
    ({"phone": "12345"}, "phone", "号码"),
    ({"name": "   "}, "name", "客户名称"),
    ({"name": "名" * 300}, "name", ""),
])
def test_bad_customer_input_is_a_chinese_error_and_writes_nothing(actors, api, payload, field, words):
    before = counts()
    response = api(actors.rep).post("/api/customers/", {"name": "南京新材料有限公司", **payload}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"]
    assert words in body["message"]
    assert counts() == before


def test_match_tells_that_a_customer_exists_and_who_owns_it_without_details(actors, api):
    theirs = make_customer(actors.other_rep, name="深圳市华强电子有限公司", phone="0755-88886666")
    response = api(actors.rep).get("/api/customers/match/", {"name": "华强电子（深圳）有限公司"})
    assert response.status_code == 200
    [best, *_] = response.json()["results"]
    assert best["id"] == theirs.pk and best["owner"] == actors.other_rep.pk and best["can_open"] is False
    assert 0 < best["score"] <= 1 and "name_exact" in best["reasons"] or "name_similar" in best["reasons"]
    assert set(best) == {"id", "code", "name", "score", "reasons", "owner", "owner_name", "can_open",
                         "interaction_count", "last_interaction_at"}
    assert api(actors.rep).get(f"/api/customers/{theirs.pk}/").status_code == 404


def test_match_by_phone_finds_the_customer_whatever_the_format(actors, api):
    theirs = make_customer(actors.rep, name="苏州工业园区某某公司", phone="0512-66668888")
    results = api(actors.teammate).get("/api/customers/match/", {"phone": "(0512) 6666 8888"}).json()["results"]
    assert results[0]["id"] == theirs.pk and "phone" in results[0]["reasons"]


def test_creating_over_a_strong_match_needs_a_reason(actors, api):
    existing = make_customer(actors.other_rep, name="广州白云山医药集团股份有限公司")
    before = counts()
    response = api(actors.rep).post("/api/customers/", {"name": "白云山医药集团（广州）有限公司"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_suspected" and body["candidates"][0]["id"] == existing.pk
    assert "理由" in body["message"]
    assert counts() == before
    response = api(actors.rep).post("/api/customers/", {"name": "白云山医药集团（广州）有限公司",
                                                        "duplicate_override_reason": "不同法人主体"}, format="json")
    assert response.status_code == 201


def test_the_same_credit_code_can_never_be_registered_twice(actors, api):
    make_customer(actors.other_rep, name="某甲公司", credit_code=VALID_CODE)
    before = counts()
    response = api(actors.rep).post("/api/customers/", {"name": "完全不同的名字有限公司", "credit_code": VALID_CODE,
                                                        "duplicate_override_reason": "试试"}, format="json")
    assert response.status_code == 400 and "credit_code" in response.json()["fields"]
    assert counts() == before


def test_merge_moves_contacts_history_and_deals_and_records_who_merged(actors, api):
    from shangji.conftest import make_opportunity
    from shangji.customers.services import ContactFields, contact_create, interaction_record

    survivor = make_customer(actors.rep, name="宁波港集团有限公司")
    duplicate = make_customer(actors.teammate, name="宁波港（集团）有限公司")
    contact = contact_create(customer=duplicate, actor=actors.teammate, fields=ContactFields(name="钱经理"))
    note = interaction_record(customer=duplicate, actor=actors.teammate, kind="visit", summary="上门拜访")
    deal = make_opportunity(actors.teammate, duplicate)
    assert api(actors.rep).post(f"/api/customers/{survivor.pk}/merge/",
                                {"duplicate": duplicate.pk, "reason": "同一公司"}, format="json").status_code == 404
    response = api(actors.team_lead).post(f"/api/customers/{survivor.pk}/merge/",
                                          {"duplicate": duplicate.pk, "reason": "同一公司"}, format="json")
    assert response.status_code == 201, response.json()
    assert Contact.objects.get(pk=contact.pk).customer_id == survivor.pk
    assert Interaction.objects.get(pk=note.pk).customer_id == survivor.pk
    assert Opportunity.objects.get(pk=deal.pk).customer_id == survivor.pk
    merge = CustomerMerge.objects.get()
    assert merge.merged_by == actors.team_lead and merge.moved["contacts"] == [contact.pk]
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert api(actors.teammate).get(f"/api/customers/{survivor.pk}/").status_code == 200  # kept access
    found = api(actors.team_lead).get("/api/customers/match/", {"name": "宁波港集团"}).json()["results"]
    ids = [c["id"] for c in found]
    assert duplicate.pk not in ids


def test_a_rep_cannot_merge_even_their_own_customers(actors, api):
    a = make_customer(actors.rep, name="无锡甲乙丙有限公司")
    b = make_customer(actors.rep, name="无锡甲乙丙股份有限公司")
    response = api(actors.rep).post(f"/api/customers/{a.pk}/merge/", {"duplicate": b.pk, "reason": "重复"},
                                    format="json")
    assert response.status_code == 403
    assert not CustomerMerge.objects.exists()


def test_non_utf8_and_oversized_bodies_get_json_errors(actors, api):
    client = api(actors.rep)
    response = client.generic("POST", "/api/customers/", b'{"name": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    before = counts()
    huge = "x" * 3_000_000
    response = client.post("/api/customers/", {"name": huge}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert counts() == before


def test_token_auth_round_trip(actors, client):
    from shangji.conftest import PASSWORD

    response = client.post("/api/auth/token/", {"username": "rep_east_1", "password": PASSWORD},
                           content_type="application/json")
    token = response.json()["token"]
    me = client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert me["username"] == "rep_east_1" and me["role"] == "rep"
    bad = client.post("/api/auth/token/", {"username": "rep_east_1", "password": "nope"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_credentials"


def test_schema_and_docs_are_served(actors, client):
    assert client.get("/api/schema/").status_code == 200
    client.force_login(actors.rep)
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("fields, field", [({"grade": "Z"}, "grade"), ({"scale": "huge"}, "scale")])
def test_the_service_refuses_values_outside_the_vocabularies(actors, fields, field):
    from django.core.exceptions import ValidationError

    from shangji.customers.services import CustomerFields, customer_create

    with pytest.raises(ValidationError) as error:
        customer_create(actor=actors.rep, fields=CustomerFields(name="丽水测试有限公司", **fields))
    assert field in error.value.message_dict
    assert not Customer.objects.exists()
