"""Company-name normalization (C2). Pure Python: no Django, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shangji.customers.dedup import normalize_company_name
from shangji.customers.dedup.names import split_name


@pytest.mark.parametrize(("raw", "expected"), [
    # region prefixes, alone and stacked
    ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统"),
    ("广东省深圳市华为技术有限公司", "华为技术"),
    ("广东深圳华为技术有限公司", "华为技术"),
    ("北京市海淀区小米科技有限责任公司", "小米科技"),
    ("上海市浦东新区张江微电子有限公司", "张江微电子"),
    ("苏州工业园区华为科技有限公司", "华为科技"),
    ("内蒙古自治区包头市北方稀土有限公司", "北方稀土"),
    ("广西壮族自治区南宁市驰元置业有限公司", "驰元置业"),
    ("新疆维吾尔自治区乌鲁木齐市天山实业有限公司", "天山实业"),
    ("重庆长安汽车股份有限公司", "长安汽车"),
    # a region that is part of the brand stays when only the industry would be left
    ("北京银行股份有限公司", "北京银行"),
    ("上海汽车集团股份有限公司", "上海汽车"),
    ("深圳科技有限公司", "深圳科技"),
    # 中国 is a brand word, not a region
    ("中国平安保险（集团）股份有限公司", "中国平安保险"),
    # legal forms
    ("美的集团股份有限公司", "美的"),
    ("三一重工股份有限公司", "三一重工"),
    ("格力电器有限责任公司", "格力电器"),
    ("华为投资控股有限公司", "华为投资控股"),
    ("恒通贸易有限合伙", "恒通贸易"),
    # brackets, full-width, spacing
    ("美的电器（中国）有限公司", "美的电器"),
    ("美的电器(中国)有限公司", "美的电器"),
    ("美的电器有限公司【深圳】", "美的电器"),
    ("美的电器[上海]有限公司", "美的电器"),
    ("ＴＣＬ科技集团股份有限公司", "tcl科技"),
    ("华为 技术 有限公司", "华为技术"),
    ("华为\u3000技术有限公司", "华为技术"),
    ("华为·技术有限公司", "华为技术"),
    # traditional characters
    ("華為技術有限公司", "华为技术"),
    ("廣東省深圳市騰訊計算機系統有限公司", "腾讯计算机系统"),
    ("東莞市華強貿易有限公司", "华强贸易"),
    ("東莞市國際貿易有限公司", "东莞市国际贸易"),
    ("長城電腦(香港)有限公司", "长城电脑"),
    # branches keep their location
    ("华为技术有限公司北京分公司", "华为技术北京分公司"),
    ("华为技术有限公司北京市分公司", "华为技术北京分公司"),
    ("华为技术有限公司（北京分公司）", "华为技术北京分公司"),
    ("深圳市华为技术有限公司坂田分公司", "华为技术坂田分公司"),
    ("招商银行股份有限公司深圳分行", "招商银行深圳分行"),
    # Latin names
    ("Koninklijke Philips N.V.", "koninklijke philips"),
    ("ALCOA NEDERLAND B. V.", "alcoa nederland"),
    ("Siemens AG", "siemens"),
    ("Robert Bosch GmbH", "robert bosch"),
    ("Apple Inc.", "apple"),
    ("Huawei Technologies Co., Ltd.", "huawei technologies"),
    ("Smith & Co.", "smith"),
    ("The Children's Center for Creative Learning Inc.", "childrens center for creative learning"),
    ("Boys & Girls Clubs of Chicago - R.E. Woods", "boys and girls clubs of chicago re woods"),
    ("Ｍｉｃｒｏｓｏｆｔ Ｃｏｒｐｏｒａｔｉｏｎ", "microsoft"),
    ("Chinese American Service League Chinese American Service League", "chinese american service league"),
])
def test_normalize_company_name_maps_variants_to_one_form(raw: str, expected: str) -> None:
    assert normalize_company_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("有限公司", "有限公司"),
    ("公司", "公司"),
    ("集团有限公司", "集团"),
    ("北京市", "北京市"),
    ("(中国)", "中国"),
    ("Limited", "limited"),
    ("Co. Ltd.", "co"),
    ("The", "the"),
])
def test_stripping_that_would_leave_nothing_keeps_the_less_stripped_form(raw: str, expected: str) -> None:
    assert normalize_company_name(raw) == expected


def test_blank_and_punctuation_only_names_normalize_to_empty() -> None:
    assert normalize_company_name("") == ""
    assert normalize_company_name("  （）-- ") == ""


def test_a_branch_never_equals_its_parent() -> None:
    parent = normalize_company_name("华为技术有限公司")
    assert normalize_company_name("华为技术有限公司北京分公司") != parent
    assert normalize_company_name("华为技术有限公司上海分公司") != normalize_company_name("华为技术有限公司北京分公司")


def test_split_name_separates_brand_business_and_branch() -> None:
    parts = split_name(normalize_company_name("华为技术有限公司北京分公司"))
    assert (parts.brand, parts.business, parts.branch) == ("华为", "技术", "北京分公司")
    assert split_name("腾讯计算机系统").business == "计算机系统"
    assert split_name("美的").business == ""


def test_split_name_keeps_a_brand_when_the_name_is_all_industry_words() -> None:
    parts = split_name("电子科技")
    assert parts.brand and parts.brand + parts.business == "电子科技"


_NAME_PARTS = st.tuples(
    st.sampled_from(["", "广东省", "深圳市", "广东省深圳市", "北京", "上海市浦东新区", "(中国)", "中国"]),
    st.sampled_from(["华为", "美的", "腾讯", "三一", "TCL", "Akzo Nobel", "華為", "ＡＢＣ", "北京", "科技"]),
    st.sampled_from(["", "技术", "电器", "置业", "计算机系统", "电子科技", "Electronics", "重工"]),
    st.sampled_from(["", "有限公司", "股份有限公司", "集团", "（深圳）有限公司", " Co., Ltd.", " N.V.", "公司"]),
    st.sampled_from(["", "北京分公司", "（上海分公司）", "坂田分公司", "营业部"]),
)


@given(_NAME_PARTS)
def test_normalization_is_idempotent_on_realistic_names(parts: tuple[str, ...]) -> None:
    once = normalize_company_name("".join(parts))
    assert normalize_company_name(once) == once


@given(st.text(max_size=40))
def test_normalization_is_idempotent_on_any_text(text: str) -> None:
    once = normalize_company_name(text)
    assert normalize_company_name(once) == once


@given(_NAME_PARTS)
def test_a_meaningful_name_never_normalizes_to_empty(parts: tuple[str, ...]) -> None:
    assert normalize_company_name("".join(parts))


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd", "Lo"]), min_size=1, max_size=30))
def test_any_name_with_a_letter_or_digit_keeps_something(text: str) -> None:
    assert normalize_company_name(text)
