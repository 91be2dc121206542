"""A2: every custom field type takes good values in the storage format and refuses bad ones with a sentence
naming the field; required and required-from-stage are enforced; rules read typed values."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shangji.conftest import make_opportunity, stage
from shangji.core.customfields import (
    CustomValueError,
    custom_fields_for,
    custom_value,
    custom_values_apply,
    display_value,
    missing_required_custom_fields,
    parse_value,
)
from shangji.core.customfields.definitions import FieldDefinition, custom_field_create, custom_field_set_active

pytestmark = pytest.mark.django_db


def define(actors, entity="opportunity", **kwargs):
    kwargs.setdefault("label", kwargs.get("key", "字段"))
    return custom_field_create(actor=actors.sales_ops, entity=entity, definition=FieldDefinition(**kwargs))


@pytest.mark.parametrize("field_type, choices, raw, stored", [
    ("text", (), "  华东区总代  ", "华东区总代"),
    ("text", (), 12, "12"),
    ("number", (), "12", 12),
    ("number", (), 3.5, 3.5),
    ("number", (), Decimal("1,000.25".replace(",", "")), 1000.25),
    ("number", (), "-7", -7),
    ("money", (), "128000", "128000.00"),
    ("money", (), Decimal("99.5"), "99.50"),
    ("money", (), 0, "0.00"),
    ("date", (), "2025-03-31", "2025-03-31"),
    ("date", (), date(2025, 1, 2), "2025-01-02"),
    ("choice", ("公开招标", "邀请招标"), "邀请招标", "邀请招标"),
    ("multi_choice", ("ERP", "MES", "WMS"), ["WMS", "ERP", "WMS"], ["ERP", "WMS"]),
    ("multi_choice", ("ERP", "MES"), "MES", ["MES"]),
    ("boolean", (), True, True),
    ("boolean", (), "false", False),
    ("text", (), "", None),
    ("multi_choice", ("ERP",), [], None),
])
def test_good_values_are_stored_in_the_documented_format(actors, field_type, choices, raw, stored):
    field = define(actors, key="probe", label="探针", field_type=field_type, choices=choices)
    assert parse_value(field, raw) == stored
    assert type(parse_value(field, raw)) is type(stored)


@pytest.mark.parametrize("field_type, choices, raw, words", [
    ("text", (), "字" * 1001, "最多 1000 个字"),
    ("text", (), ["a"], "需要填写文本"),
    ("number", (), "十二", "需要填写数字"),
    ("number", (), "NaN", "需要填写数字"),
    ("number", (), True, "需要填写数字"),
    ("number", (), "1e16", "超出可填写的范围"),
    ("money", (), "12.345", "最多两位小数"),
    ("money", (), 12.5, None),
    ("money", (), "一百", "需要填写金额"),
    ("money", (), "1e14", "超出可填写的范围"),
    ("date", (), "2025-02-30", "需要填写日期"),
    ("date", (), "31/03/2025", "需要填写日期"),
    ("choice", ("公开招标",), "单一来源", "只能选择：公开招标"),
    ("multi_choice", ("ERP", "MES"), ["ERP", "CRM"], "只能选择：ERP、MES"),
    ("multi_choice", ("ERP",), {"a": 1}, "需要一个选项列表"),
    ("user", (), 999999, "在职的用户"),
    ("user", (), "abc", "在职的用户"),
    ("boolean", (), "也许", "只能填写是或否"),
])
def test_bad_values_are_refused_with_a_chinese_sentence_naming_the_field(actors, field_type, choices, raw, words):
    field = define(actors, key="probe", label="探针", field_type=field_type, choices=choices)
    if words is None:  # a float with two decimals is still money
        assert parse_value(field, raw) == "12.50"
        return
    with pytest.raises(CustomValueError) as error:
        parse_value(field, raw)
    assert "“探针”" in str(error.value) and words in str(error.value)


def test_a_user_value_must_be_an_active_user(actors):
    field = define(actors, key="presales", label="售前", field_type="user")
    assert parse_value(field, actors.presales.pk) == actors.presales.pk
    assert parse_value(field, str(actors.presales.pk)) == actors.presales.pk
    assert parse_value(field, actors.presales) == actors.presales.pk
    actors.presales.is_active = False
    actors.presales.save()
    with pytest.raises(CustomValueError):
        parse_value(field, actors.presales.pk)


def test_unknown_keys_are_refused_and_every_bad_field_is_named_at_once(actors):
    define(actors, key="budget", label="预算", field_type="money")
    define(actors, key="source", label="来源", field_type="choice", choices=("展会", "转介"))
    with pytest.raises(ValidationError) as error:
        custom_values_apply(entity="opportunity", current={}, given={"budget": "x", "source": "网络", "nope": 1})
    messages = error.value.message_dict["custom"]
    assert len(messages) == 3
    assert any("“预算”" in m for m in messages) and any("“来源”" in m for m in messages)
    assert any("nope" in m for m in messages)


def test_an_update_replaces_given_keys_keeps_the_others_and_reports_what_changed(actors):
    define(actors, key="budget", label="预算", field_type="money")
    define(actors, key="source", label="来源", field_type="text")
    result = custom_values_apply(entity="opportunity", current={"budget": "10.00", "source": "展会"},
                                 given={"budget": "20"})
    assert result.values == {"budget": "20.00", "source": "展会"}
    assert result.changed == {"budget": ("10.00", "20.00")}
    assert result.payload_changes() == {"custom.budget": ("10.00", "20.00")}
    assert result.audit_changes() == {"custom.budget": ("¥10.00", "¥20.00")}
    cleared = custom_values_apply(entity="opportunity", current=result.values, given={"source": ""})
    assert cleared.values == {"budget": "20.00"} and cleared.changed == {"source": ("展会", None)}


def test_inactive_fields_keep_their_value_but_cannot_be_changed(actors):
    field = define(actors, key="legacy", label="旧编码", field_type="text")
    custom_field_set_active(field=field, actor=actors.sales_ops, is_active=False)
    kept = custom_values_apply(entity="opportunity", current={"legacy": "A-1"}, given={"legacy": "A-1"})
    assert kept.values == {"legacy": "A-1"} and not kept.changed
    with pytest.raises(ValidationError) as error:
        custom_values_apply(entity="opportunity", current={"legacy": "A-1"}, given={"legacy": "B-2"})
    assert "“旧编码”已停用" in error.value.message_dict["custom"][0]
    assert "legacy" not in {f.key for f in custom_fields_for("opportunity")}
    assert "legacy" in {f.key for f in custom_fields_for("opportunity", include_inactive=True)}


def test_a_required_field_must_be_present_after_the_write(actors):
    define(actors, entity="customer", key="tax_no", label="税号", field_type="text", required=True)
    with pytest.raises(ValidationError) as error:
        custom_values_apply(entity="customer", current={}, given={})
    assert error.value.message_dict["custom"] == ["请填写“税号”。"]
    with pytest.raises(ValidationError):
        custom_values_apply(entity="customer", current={"tax_no": "X1"}, given={"tax_no": None})
    assert custom_values_apply(entity="customer", current={}, given={"tax_no": "X1"}).values == {"tax_no": "X1"}


def test_a_field_required_from_a_stage_binds_deals_at_or_past_it_but_not_lost_ones(actors):
    define(actors, key="budget", label="预算", field_type="money", required_from_stage_id=stage("方案提交").pk)
    for name in ("线索", "需求确认"):
        assert custom_values_apply(entity="opportunity", current={}, given={}, stage=stage(name)).values == {}
    for name in ("方案提交", "谈判", "成交"):
        with pytest.raises(ValidationError) as error:
            custom_values_apply(entity="opportunity", current={}, given={}, stage=stage(name))
        assert "“方案提交”" in error.value.message_dict["custom"][0]
        assert "“预算”" in error.value.message_dict["custom"][0]
    assert custom_values_apply(entity="opportunity", current={}, given={}, stage=stage("输单")).values == {}


def test_missing_required_custom_fields_lists_what_a_move_to_a_stage_lacks(actors):
    budget = define(actors, key="budget", label="预算", field_type="money",
                    required_from_stage_id=stage("方案提交").pk)
    define(actors, key="later", label="合同号", field_type="text", required_from_stage_id=stage("谈判").pk)
    deal = make_opportunity(actors.rep, stage="接触")
    assert missing_required_custom_fields(opportunity=deal, stage=stage("需求确认")) == []
    assert missing_required_custom_fields(opportunity=deal, stage=stage("方案提交")) == [budget]
    assert [f.key for f in missing_required_custom_fields(opportunity=deal, stage=stage("成交"))] == [
        "budget", "later"]
    assert missing_required_custom_fields(opportunity=deal, stage=stage("输单")) == []
    deal.custom = {"budget": "10.00"}
    assert missing_required_custom_fields(opportunity=deal, stage=stage("方案提交")) == []


def test_rules_read_typed_values_and_pages_show_readable_ones(actors):
    fields = {
        "budget": define(actors, key="budget", label="预算", field_type="money"),
        "seats": define(actors, key="seats", label="席位", field_type="number"),
        "due": define(actors, key="due", label="截止", field_type="date"),
        "mods": define(actors, key="mods", label="模块", field_type="multi_choice", choices=("ERP", "MES")),
        "presales": define(actors, key="presales", label="售前", field_type="user"),
        "vip": define(actors, key="vip", label="重点", field_type="boolean"),
    }
    deal = make_opportunity(actors.rep)
    deal.custom = {"budget": "1234567.50", "seats": 1200, "due": "2025-03-31", "mods": ["ERP", "MES"],
                   "presales": actors.presales.pk, "vip": False}
    assert custom_value(deal, "budget") == Decimal("1234567.50")
    assert custom_value(deal, "seats") == Decimal(1200)
    assert custom_value(deal, "due") == date(2025, 3, 31)
    assert custom_value(deal, "mods") == ["ERP", "MES"]
    assert custom_value(deal, "presales") == actors.presales.pk
    assert custom_value(deal, "vip") is False
    assert custom_value(deal, "nope") is None
    names = {actors.presales.pk: actors.presales.display_name}
    shown = {key: display_value(field, deal.custom[key], user_names=names) for key, field in fields.items()}
    assert shown == {"budget": "¥1,234,567.50", "seats": "1,200", "due": "2025-03-31", "mods": "ERP、MES",
                     "presales": "孙工", "vip": "否"}
