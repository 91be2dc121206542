"""A2 through the API: `custom` reads every active field, writes are validated and partial, changes reach events and
the audit trail, denied writes change nothing, and the OpenAPI schema follows the catalog without a restart."""

import pytest

from shangji.conftest import make_customer, make_opportunity, stage
from shangji.core.customfields.definitions import FieldDefinition, custom_field_create, custom_field_set_active
from shangji.core.models import AuditEntry, Event
from shangji.customers.models import Contact, Customer
from shangji.customers.services import ContactFields, contact_create
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def define(actors, entity, key, field_type, label=None, **kwargs):
    return custom_field_create(actor=actors.sales_ops, entity=entity, definition=FieldDefinition(
        key=key, label=label or key, field_type=field_type, **kwargs))


def test_reads_return_every_active_field_with_null_when_unset(actors, api):
    define(actors, "customer", "tier", "choice", "渠道级别", choices=("一级", "二级"))
    define(actors, "customer", "since", "date", "合作起始")
    old = define(actors, "customer", "legacy", "text", "旧编码")
    customer = make_customer(actors.rep)
    Customer.objects.filter(pk=customer.pk).update(custom={"tier": "一级", "legacy": "L-9"})
    custom_field_set_active(field=old, actor=actors.sales_ops, is_active=False)
    body = api(actors.rep).get(f"/api/customers/{customer.pk}/").json()
    assert body["custom"] == {"tier": "一级", "since": None}
    listed = api(actors.rep).get("/api/customers/").json()["results"][0]
    assert listed["custom"] == {"tier": "一级", "since": None}


def test_create_and_partial_update_through_the_api_with_events_and_audit(actors, api):
    define(actors, "customer", "budget", "money", "年度预算")
    define(actors, "customer", "modules", "multi_choice", "关注模块", choices=("ERP", "MES", "WMS"))
    client = api(actors.rep)
    response = client.post("/api/customers/", {"name": "无锡新锐精工有限公司",
                                               "custom": {"budget": "50000", "modules": ["MES", "ERP"]}},
                           format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["custom"] == {"budget": "50000.00", "modules": ["ERP", "MES"]}
    pk = response.json()["id"]
    response = client.patch(f"/api/customers/{pk}/", {"custom": {"budget": 80000.5}}, format="json")
    assert response.status_code == 200, response.json()
    assert Customer.objects.get(pk=pk).custom == {"budget": "80000.50", "modules": ["ERP", "MES"]}
    event = Event.objects.filter(name="customer.updated", entity_id=pk).last()
    assert event.payload == {"changed": ["custom.budget"], "previous": {"custom.budget": "50000.00"}}
    audit = AuditEntry.objects.get(entity="customer", entity_id=pk, field="custom.budget")
    assert (audit.old_value, audit.new_value) == ("¥50,000.00", "¥80,000.50")
    page = client.get(f"/api/customers/{pk}/").json()
    assert page["custom"]["budget"] == "80000.50"


@pytest.mark.parametrize("custom, words", [
    ({"budget": "很多"}, "“年度预算”需要填写金额"),
    ({"nope": 1}, "没有名为“nope”的自定义字段"),
    ("budget=1", "自定义字段需要是一个对象"),
    ({"budget": "1.234"}, "“年度预算”最多两位小数"),
])
def test_bad_custom_input_is_a_chinese_error_and_writes_nothing(actors, api, custom, words):
    define(actors, "customer", "budget", "money", "年度预算")
    before = Customer.objects.count()
    response = api(actors.rep).post("/api/customers/", {"name": "常州恒力机电有限公司", "custom": custom},
                                    format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "custom" in body["fields"]
    assert words in body["message"]
    assert Customer.objects.count() == before


def test_required_fields_are_enforced_on_create_and_update(actors, api):
    define(actors, "customer", "tax_no", "text", "税号", required=True)
    client = api(actors.rep)
    response = client.post("/api/customers/", {"name": "常州恒力机电有限公司"}, format="json")
    assert response.status_code == 400 and "请填写“税号”" in response.json()["message"]
    response = client.post("/api/customers/", {"name": "常州恒力机电有限公司", "custom": {"tax_no": "T-1"}},
                           format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    response = client.patch(f"/api/customers/{pk}/", {"custom": {"tax_no": None}}, format="json")
    assert response.status_code == 400
    assert Customer.objects.get(pk=pk).custom == {"tax_no": "T-1"}


def test_a_deal_past_a_stage_must_keep_the_fields_required_from_it(actors, api):
    define(actors, "opportunity", "budget", "money", "预算", required_from_stage_id=stage("方案提交").pk)
    early = make_opportunity(actors.rep, name="早期商机", stage="接触")
    late = make_opportunity(actors.rep, name="后期商机", stage="接触")
    Opportunity.objects.filter(pk=late.pk).update(stage=stage("谈判"))
    client = api(actors.rep)
    assert client.patch(f"/api/opportunities/{early.pk}/", {"name": "早期商机2"}, format="json").status_code == 200
    response = client.patch(f"/api/opportunities/{late.pk}/", {"name": "后期商机2"}, format="json")
    assert response.status_code == 400 and "“预算”" in response.json()["message"]
    assert Opportunity.objects.get(pk=late.pk).name == "后期商机"
    response = client.patch(f"/api/opportunities/{late.pk}/", {"name": "后期商机2", "custom": {"budget": "9.90"}},
                            format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["custom"]["budget"] == "9.90"
    response = client.post("/api/opportunities/", {"name": "新商机", "customer": late.customer_id,
                                                   "stage": stage("方案提交").pk}, format="json")
    assert response.status_code == 400 and "“预算”" in response.json()["message"]


def test_opportunity_custom_changes_are_in_the_update_event(actors, api):
    define(actors, "opportunity", "partner", "user", "合作售前")
    deal = make_opportunity(actors.rep)
    response = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/",
                                     {"custom": {"partner": actors.presales.pk}}, format="json")
    assert response.status_code == 200, response.json()
    event = Event.objects.filter(name="opportunity.updated", entity_id=deal.pk).last()
    assert event.payload == {"changed": ["custom.partner"], "previous": {"custom.partner": None}}
    audit = AuditEntry.objects.get(entity="opportunity", entity_id=deal.pk, field="custom.partner")
    assert audit.new_value == "孙工"


def test_contacts_carry_custom_values_too(actors, api):
    define(actors, "contact", "hobby", "text", "爱好")
    customer = make_customer(actors.rep)
    client = api(actors.rep)
    response = client.post("/api/contacts/", {"customer": customer.pk, "name": "顾总", "custom": {"hobby": "钓鱼"}},
                           format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["custom"] == {"hobby": "钓鱼"}
    response = client.patch(f"/api/contacts/{pk}/", {"custom": {"hobby": "高尔夫"}}, format="json")
    assert response.status_code == 200
    assert Contact.objects.get(pk=pk).custom == {"hobby": "高尔夫"}
    event = Event.objects.filter(name="contact.updated", entity_id=pk).last()
    assert event.payload["previous"] == {"custom.hobby": "钓鱼"}


@pytest.mark.parametrize("name, status", [("teammate", 404), ("other_rep", 404), ("finance", 403),
                                          ("presales", 404)])
def test_denied_custom_writes_change_nothing(actors, api, name, status):
    define(actors, "customer", "budget", "money", "年度预算")
    define(actors, "contact", "hobby", "text", "爱好")
    customer = make_customer(actors.rep)
    Customer.objects.filter(pk=customer.pk).update(custom={"budget": "10.00"})
    contact = contact_create(customer=customer, actor=actors.rep, fields=ContactFields(name="顾总"),
                             custom={"hobby": "钓鱼"})
    client = api(getattr(actors, name))
    response = client.patch(f"/api/customers/{customer.pk}/", {"custom": {"budget": "99.00"}}, format="json")
    assert response.status_code == status
    response = client.patch(f"/api/contacts/{contact.pk}/", {"custom": {"hobby": "x"}}, format="json")
    assert response.status_code in (403, 404)
    assert Customer.objects.get(pk=customer.pk).custom == {"budget": "10.00"}
    assert Contact.objects.get(pk=contact.pk).custom == {"hobby": "钓鱼"}
    assert not AuditEntry.objects.filter(field__startswith="custom.").exists()


def test_the_schema_describes_a_field_right_after_it_is_created_in_the_ui(actors, api, client):
    client.force_login(actors.sales_ops)
    response = client.post("/settings/fields/new/?entity=customer", {
        "label": "渠道级别", "label_en": "Channel tier", "key": "", "field_type": "choice",
        "choices": "一级\n二级\n", "help_text": "由渠道部确认"})
    assert response.status_code == 302
    schema = api(actors.rep).get("/api/schema/", {"format": "json"}).json()
    custom = schema["components"]["schemas"]["Customer"]["properties"]["custom"]
    assert custom["properties"]["channel_tier"] == {
        "type": "string", "enum": ["一级", "二级", None], "title": "渠道级别 (Channel tier)", "nullable": True,
        "description": "由渠道部确认"}
    request_side = schema["components"]["schemas"]["PatchedCustomerRequest"]["properties"]["custom"]
    assert "channel_tier" in request_side["properties"]
    opportunity = schema["components"]["schemas"]["Opportunity"]["properties"]["custom"]["properties"]
    assert "channel_tier" not in opportunity
    define(actors, "opportunity", "seats", "number", "席位数")
    schema = api(actors.rep).get("/api/schema/", {"format": "json"}).json()
    seats = schema["components"]["schemas"]["Opportunity"]["properties"]["custom"]["properties"]["seats"]
    assert seats["type"] == "number"


def test_a_merge_fills_the_survivors_blank_custom_values_from_the_duplicate(actors, api):
    define(actors, "customer", "tier", "text", "渠道级别")
    define(actors, "customer", "since", "date", "合作起始")
    survivor = make_customer(actors.rep, name="无锡新锐精工有限公司")
    duplicate = make_customer(actors.rep, name="常州恒力机电有限公司")
    Customer.objects.filter(pk=survivor.pk).update(custom={"tier": "一级"})
    Customer.objects.filter(pk=duplicate.pk).update(custom={"tier": "二级", "since": "2024-01-01"})
    response = api(actors.team_lead).post(f"/api/customers/{survivor.pk}/merge/",
                                          {"duplicate": duplicate.pk, "reason": "同一客户"}, format="json")
    assert response.status_code == 201
    assert Customer.objects.get(pk=survivor.pk).custom == {"tier": "一级", "since": "2024-01-01"}
