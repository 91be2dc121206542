"""A2 management page /settings/fields/: only sales ops and admins; create, edit, reorder, deactivate — audited;
bad input is explained and writes nothing."""

import pytest

from shangji.conftest import make_opportunity, signed_in, stage
from shangji.core.customfields.definitions import (
    FieldDefinition,
    custom_field_create,
    custom_field_move,
    custom_field_update,
)
from shangji.core.models import AuditEntry, CustomField
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def define(actors, entity="customer", **kwargs):
    kwargs.setdefault("label", kwargs.get("key", "字段"))
    return custom_field_create(actor=actors.sales_ops, entity=entity, definition=FieldDefinition(**kwargs))


def payload(**overrides):
    return {"label": "渠道级别", "label_en": "", "key": "", "field_type": "text", "choices": "", "help_text": "",
            **overrides}


@pytest.mark.parametrize("name", ["rep", "team_lead", "regional_manager", "director", "presales", "finance"])
def test_only_sales_ops_and_admins_configure_fields(actors, name):
    field = define(actors, key="tier", label="渠道级别", field_type="text")
    client = signed_in(getattr(actors, name))
    before = list(CustomField.objects.values_list("pk", "label", "sequence", "is_active"))
    assert client.get("/settings/fields/").status_code == 403
    assert client.get("/settings/fields/new/?entity=customer").status_code == 403
    assert client.post("/settings/fields/new/?entity=customer", payload(label="新字段")).status_code == 403
    assert client.post(f"/settings/fields/{field.pk}/", payload(label="改名")).status_code == 403
    assert client.post(f"/settings/fields/{field.pk}/active/", {"is_active": "0"}).status_code == 403
    assert client.post(f"/settings/fields/{field.pk}/move/", {"direction": "up"}).status_code == 403
    assert list(CustomField.objects.values_list("pk", "label", "sequence", "is_active")) == before
    assert not AuditEntry.objects.filter(entity="custom_field").exclude(action="created").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/settings/fields/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("name", ["sales_ops", "admin"])
def test_configurators_see_every_entity_and_the_settings_page_links_here(actors, name):
    define(actors, entity="contact", key="hobby", label="爱好", field_type="text")
    client = signed_in(getattr(actors, name))
    page = client.get("/settings/fields/").content.decode()
    assert "客户" in page and "联系人" in page and "商机" in page and "爱好" in page and "hobby" in page
    assert 'href="/settings/fields/"' in client.get("/settings/").content.decode()


def test_sales_ops_create_a_choice_field_with_one_option_per_line(actors):
    client = signed_in(actors.sales_ops)
    response = client.post("/settings/fields/new/?entity=customer", payload(
        label="渠道级别", label_en="Channel tier", field_type="choice", choices="一级\n 二级 \n\n一级\n",
        required="on", help_text="由渠道部确认"))
    assert response.status_code == 302
    field = CustomField.objects.get(entity="customer", label="渠道级别")
    assert (field.key, field.choices, field.required, field.help_text) == (
        "channel_tier", ["一级", "二级"], True, "由渠道部确认")
    entry = AuditEntry.objects.get(entity="custom_field", entity_id=field.pk, field="label")
    assert (entry.action, entry.actor_id, entry.new_value) == ("created", actors.sales_ops.pk, "渠道级别")


def test_a_blank_key_without_an_english_name_becomes_f_and_the_id(actors):
    response = signed_in(actors.sales_ops).post("/settings/fields/new/?entity=opportunity", payload(label="预算来源"))
    assert response.status_code == 302
    field = CustomField.objects.get(entity="opportunity", label="预算来源")
    assert field.key == f"f{field.pk}"


@pytest.mark.parametrize("overrides, field_name, words", [
    ({"label": ""}, "label", "必填"),
    ({"field_type": "choice", "choices": "\n \n"}, "choices", "至少需要一个选项"),
    ({"key": "Budget Source"}, "key", "小写英文字母"),
    ({"key": "a__b"}, "key", "单个下划线"),
    ({"key": "tier"}, "key", "已被使用"),
    ({"label": "已有字段"}, "label", "已有名为"),
    ({"field_type": "colour"}, "field_type", ""),
    ({"required_from_stage": "1"}, None, None),
])
def test_bad_definitions_are_explained_and_write_nothing(actors, overrides, field_name, words):
    define(actors, key="tier", label="已有字段", field_type="text")
    before = CustomField.objects.count()
    response = signed_in(actors.sales_ops).post("/settings/fields/new/?entity=customer",
                                                 payload(**{"label": "新字段", **overrides}))
    if field_name is None:  # "required from a stage" does not exist for customers: the input is ignored
        assert response.status_code == 302
        assert CustomField.objects.get(label="新字段").required_from_stage is None
        return
    assert response.status_code == 200
    assert words in response.context["form"].errors[field_name][0]
    assert CustomField.objects.count() == before


def test_required_from_stage_is_for_open_opportunity_stages_only(actors):
    with pytest.raises(Exception) as error:
        define(actors, entity="customer", key="x", label="X", field_type="text",
               required_from_stage_id=stage("谈判").pk)
    assert "只有商机字段" in str(error.value)
    with pytest.raises(Exception) as error:
        define(actors, entity="opportunity", key="x", label="X", field_type="text",
               required_from_stage_id=stage("成交").pk)
    assert "进行阶段" in str(error.value)
    client = signed_in(actors.sales_ops)
    page = client.get("/settings/fields/new/?entity=opportunity").content.decode()
    assert "从此阶段起必填" in page and "谈判" in page and ">成交<" not in page
    response = client.post("/settings/fields/new/?entity=opportunity", payload(
        label="预算", field_type="money", required_from_stage=str(stage("方案提交").pk)))
    assert response.status_code == 302
    assert CustomField.objects.get(label="预算").required_from_stage == stage("方案提交")


def test_editing_keeps_the_key_and_locks_the_type_once_values_exist(actors):
    field = define(actors, entity="opportunity", key="seats", label="席位", field_type="number")
    client = signed_in(actors.sales_ops)
    response = client.post(f"/settings/fields/{field.pk}/", payload(label="席位数", key="renamed", field_type="text"))
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.key, field.field_type) == ("席位数", "seats", "text")
    assert AuditEntry.objects.filter(entity="custom_field", entity_id=field.pk, action="updated",
                                     field="field_type", old_value="number", new_value="text").exists()
    deal = make_opportunity(actors.rep)
    Opportunity.objects.filter(pk=deal.pk).update(custom={"seats": "12"})
    page = client.get(f"/settings/fields/{field.pk}/").content.decode()
    assert "类型不能再修改" in page and "1 条记录已填写" in page
    client.post(f"/settings/fields/{field.pk}/", payload(label="席位数", field_type="number"))
    field.refresh_from_db()
    assert field.field_type == "text"  # the disabled select keeps the stored type
    with pytest.raises(Exception) as error:
        custom_field_update(field=field, actor=actors.sales_ops,
                            definition=FieldDefinition(label="席位数", field_type="number"))
    assert "不能再修改类型" in str(error.value)


def test_reordering_moves_a_field_among_its_entity_and_is_audited(actors):
    first = define(actors, key="a", label="甲", field_type="text")
    second = define(actors, key="b", label="乙", field_type="text")
    third = define(actors, key="c", label="丙", field_type="text")
    client = signed_in(actors.sales_ops)
    response = client.post(f"/settings/fields/{third.pk}/move/", {"direction": "up"}, HTTP_HX_REQUEST="true",
                           follow=True)
    assert response.status_code == 200
    order = list(CustomField.objects.filter(entity="customer").order_by("sequence").values_list("key", flat=True))
    assert order == ["a", "c", "b"]
    custom_field_move(field=first, actor=actors.sales_ops, offset=-1)  # already first: nothing moves
    client.post(f"/settings/fields/{first.pk}/move/", {"direction": "down"})
    order = list(CustomField.objects.filter(entity="customer").order_by("sequence").values_list("key", flat=True))
    assert order == ["c", "a", "b"]
    assert AuditEntry.objects.filter(entity="custom_field", action="reordered").count() == 2
    assert second.pk


def test_deactivating_keeps_values_and_reactivating_brings_the_field_back(actors):
    field = define(actors, entity="opportunity", key="memo", label="备忘", field_type="text")
    deal = make_opportunity(actors.rep)
    Opportunity.objects.filter(pk=deal.pk).update(custom={"memo": "保留我"})
    client = signed_in(actors.sales_ops)
    response = client.post(f"/settings/fields/{field.pk}/active/", {"is_active": "0"}, follow=True)
    assert "已停用字段“备忘”" in response.content.decode()
    assert Opportunity.objects.get(pk=deal.pk).custom == {"memo": "保留我"}
    rep = signed_in(actors.rep)
    assert 'name="cf_memo"' not in rep.get(f"/opportunities/{deal.pk}/edit/").content.decode()
    detail = rep.get(f"/opportunities/{deal.pk}/").content.decode()
    assert "保留我" in detail and "已停用" in detail
    client.post(f"/settings/fields/{field.pk}/active/", {"is_active": "1"})
    assert 'name="cf_memo"' in rep.get(f"/opportunities/{deal.pk}/edit/").content.decode()
    actions = list(AuditEntry.objects.filter(entity="custom_field", entity_id=field.pk)
                   .exclude(action="created").order_by("id").values_list("action", flat=True))
    assert actions == ["deactivated", "reactivated"]
