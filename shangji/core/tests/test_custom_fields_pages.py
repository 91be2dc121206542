"""A2 on the record pages: create/edit forms show active custom fields with the right widgets and save them; detail
pages show readable values; the audit trail names the field; CSV exports get one column per field."""

import csv
import io

import pytest

from shangji.conftest import make_customer, make_opportunity, signed_in, stage
from shangji.core.customfields.definitions import FieldDefinition, custom_field_create
from shangji.customers.models import Contact, Customer
from shangji.customers.services import CustomerFields, customer_create
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def tiered_customer(owner, name="常州恒力机电有限公司"):
    """A customer that already holds the required 渠道级别."""
    return customer_create(actor=owner, owner=owner, fields=CustomerFields(name=name), custom={"tier": "二级"},
                           duplicate_override_reason="测试数据")


def define(actors, entity, key, field_type, label, **kwargs):
    return custom_field_create(actor=actors.sales_ops, entity=entity, definition=FieldDefinition(
        key=key, label=label, field_type=field_type, **kwargs))


@pytest.fixture
def customer_fields(actors):
    define(actors, "customer", "budget", "money", "年度预算", help_text="含税")
    define(actors, "customer", "since", "date", "合作起始")
    define(actors, "customer", "tier", "choice", "渠道级别", choices=("一级", "二级"), required=True)
    define(actors, "customer", "modules", "multi_choice", "关注模块", choices=("ERP", "MES", "WMS"))
    define(actors, "customer", "advisor", "user", "客户顾问")
    define(actors, "customer", "seats", "number", "席位数")
    define(actors, "customer", "vip", "boolean", "重点客户")


def test_the_customer_form_shows_each_type_with_its_widget(actors, customer_fields):
    page = signed_in(actors.team_lead).get("/customers/new/").content.decode()
    assert 'type="number" name="cf_budget"' in page and 'step="0.01"' in page and "含税" in page
    assert 'type="date" name="cf_since"' in page
    assert '<select name="cf_tier"' in page and "一级" in page
    assert 'type="checkbox" name="cf_modules" value="MES"' in page
    assert 'type="number" name="cf_seats"' in page and 'step="any"' in page
    assert '<select name="cf_vip"' in page
    advisor = page[page.index('name="cf_advisor"'):]
    advisor = advisor[:advisor.index("</select>")]
    # A team lead picks among the people they see: their team, not the other region.
    assert "张伟" in advisor and "王芳" in advisor and "李娜" not in advisor


def test_a_customer_is_created_with_custom_values_from_the_page(actors, customer_fields):
    client = signed_in(actors.team_lead)
    response = client.post("/customers/new/", {
        "name": "无锡新锐精工有限公司", "grade": "B", "cf_budget": "1234567.5", "cf_since": "2024-06-01",
        "cf_tier": "一级", "cf_modules": ["WMS", "ERP"], "cf_advisor": actors.rep.pk, "cf_seats": "30",
        "cf_vip": "true"})
    assert response.status_code == 302, response.context["form"].errors
    customer = Customer.objects.get(name="无锡新锐精工有限公司")
    assert customer.custom == {"budget": "1234567.50", "since": "2024-06-01", "tier": "一级",
                               "modules": ["ERP", "WMS"], "advisor": actors.rep.pk, "seats": 30, "vip": True}
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    for text in ["年度预算", "¥1,234,567.50", "2024-06-01", "一级", "张伟", "是", "席位数"]:
        assert text in detail, text
    assert '<span class="badge text-bg-secondary me-1">ERP</span>' in detail


def test_a_missing_required_field_is_reported_and_nothing_is_created(actors, customer_fields):
    response = signed_in(actors.rep).post("/customers/new/", {"name": "无锡新锐精工有限公司", "grade": "B",
                                                             "cf_seats": "很多"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "cf_tier" in errors and "cf_seats" in errors
    assert not Customer.objects.filter(name="无锡新锐精工有限公司").exists()


def test_editing_a_customer_shows_and_changes_stored_values_and_the_trail_names_the_field(actors, customer_fields):
    customer = tiered_customer(actors.rep)
    Customer.objects.filter(pk=customer.pk).update(custom={"tier": "二级", "budget": "10.00", "modules": ["MES"]})
    client = signed_in(actors.rep)
    page = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'value="10.00"' in page and '<option value="二级" selected>' in page
    assert 'value="MES" class="form-check-input" id="id_cf_modules_1" checked' in page
    response = client.post(f"/customers/{customer.pk}/edit/", {
        "name": "常州恒力机电有限公司", "grade": "C", "cf_tier": "一级", "cf_budget": "20", "cf_modules": "MES"})
    assert response.status_code == 302, response.context["form"].errors
    assert Customer.objects.get(pk=customer.pk).custom == {"tier": "一级", "budget": "20.00", "modules": ["MES"]}
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "渠道级别 二级 → 一级" in detail and "年度预算 ¥10.00 → ¥20.00" in detail


def test_a_removed_option_stays_selectable_for_the_record_that_holds_it(actors, customer_fields):
    customer = tiered_customer(actors.rep)
    Customer.objects.filter(pk=customer.pk).update(custom={"tier": "三级"})
    client = signed_in(actors.rep)
    assert '<option value="三级" selected>' in client.get(f"/customers/{customer.pk}/edit/").content.decode()
    response = client.post(f"/customers/{customer.pk}/edit/", {"name": "常州恒力机电有限公司", "grade": "A",
                                                               "cf_tier": "三级"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).grade == "A"


def test_contacts_added_on_the_detail_page_carry_custom_values(actors):
    define(actors, "contact", "hobby", "text", "爱好")
    define(actors, "contact", "birthday", "date", "生日", required=True)
    customer = make_customer(actors.rep, name="常州恒力机电有限公司")
    client = signed_in(actors.rep)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="cf_hobby"' in page and 'type="date" name="cf_birthday"' in page
    page = client.post(f"/customers/{customer.pk}/contacts/", {
        "name": "顾总", "decision_role": "user", "attitude": "neutral", "cf_hobby": "钓鱼"}, follow=True)
    assert not Contact.objects.exists()
    client.post(f"/customers/{customer.pk}/contacts/", {"name": "顾总", "decision_role": "user",
                                                        "attitude": "neutral", "cf_hobby": "钓鱼",
                                                        "cf_birthday": "1980-05-01"})
    assert Contact.objects.get().custom == {"hobby": "钓鱼", "birthday": "1980-05-01"}
    assert "爱好：钓鱼" in client.get(f"/customers/{customer.pk}/").content.decode()


def test_opportunity_pages_enforce_fields_required_from_the_deals_stage(actors):
    define(actors, "opportunity", "budget", "money", "预算", required_from_stage_id=stage("方案提交").pk)
    early = make_opportunity(actors.rep, name="早期商机", stage="接触")
    late = make_opportunity(actors.rep, name="后期商机", stage="接触")
    Opportunity.objects.filter(pk=late.pk).update(stage=stage("谈判"))
    client = signed_in(actors.rep)
    early_page = client.get(f"/opportunities/{early.pk}/edit/").content.decode()
    assert 'name="cf_budget" step="0.01" class="form-control" id="id_cf_budget">' in early_page
    late_page = client.get(f"/opportunities/{late.pk}/edit/").content.decode()
    assert "required" in late_page.split('name="cf_budget"')[1][:80]
    form = {"name": "后期商机", "amount": "100", "version": Opportunity.objects.get(pk=late.pk).version}
    response = client.post(f"/opportunities/{late.pk}/edit/", form)
    assert response.status_code == 200 and "cf_budget" in response.context["form"].errors
    response = client.post(f"/opportunities/{late.pk}/edit/", {**form, "cf_budget": "88000"})
    assert response.status_code == 302
    assert Opportunity.objects.get(pk=late.pk).custom["budget"] == "88000.00"
    assert "¥88,000.00" in client.get(f"/opportunities/{late.pk}/").content.decode()
    response = client.post("/opportunities/new/", {"name": "直接方案", "customer": early.customer_id, "amount": "1",
                                                  "stage": stage("方案提交").pk})
    assert response.status_code == 200 and "“预算”" in response.content.decode()
    response = client.post("/opportunities/new/", {"name": "直接方案", "customer": early.customer_id, "amount": "1",
                                                  "stage": stage("方案提交").pk, "cf_budget": "5"})
    assert response.status_code == 302
    assert Opportunity.objects.get(name="直接方案").custom["budget"] == "5.00"


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_exports_get_one_column_per_active_field(actors, customer_fields):
    customer = tiered_customer(actors.rep)
    Customer.objects.filter(pk=customer.pk).update(custom={
        "tier": "一级", "budget": "1234.50", "modules": ["ERP", "MES"], "advisor": actors.teammate.pk, "vip": False,
        "seats": 3.5})
    header, row = read_csv(signed_in(actors.rep).get("/customers/export.csv"))
    assert header[-7:] == ["年度预算", "合作起始", "渠道级别", "关注模块", "客户顾问", "席位数", "重点客户"]
    assert row[-7:] == ["1234.50", "", "一级", "ERP、MES", "王芳", "3.5", "否"]
    define(actors, "opportunity", "partner", "text", "合作伙伴")
    deal = make_opportunity(actors.rep, customer)
    Opportunity.objects.filter(pk=deal.pk).update(custom={"partner": "=SUM(A1)"})
    header, row = read_csv(signed_in(actors.rep).get("/opportunities/export.csv"))
    assert header[-1] == "合作伙伴" and row[-1] == "'=SUM(A1)"


def test_english_pages_use_the_english_field_name(actors):
    from django.conf import settings

    define(actors, "customer", "tier", "choice", "渠道级别", label_en="Channel tier", choices=("一级",))
    client = signed_in(actors.rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/customers/new/").content.decode()
    assert "Channel tier" in page and "渠道级别" not in page
