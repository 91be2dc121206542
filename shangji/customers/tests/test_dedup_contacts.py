"""Phone and e-mail normalization (C2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shangji.customers.dedup import EmailError, PhoneError, normalize_email, normalize_phone, phone_match_key


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086-13800138000", "13800138000"),
    ("86 13800138000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("(021) 6123-4567", "021-61234567"),
    ("021-61234567", "021-61234567"),
    ("02161234567", "021-61234567"),
    ("0755-8888 6666", "0755-88886666"),
    ("0755.8888.6666", "0755-88886666"),
    ("010 6123 4567", "010-61234567"),
    ("+86 10 6123 4567", "010-61234567"),
    ("+86 21 61234567", "021-61234567"),
    ("+86 (0)21 61234567", "021-61234567"),
    ("0571-8765432", "0571-8765432"),
    ("61234567", "61234567"),
    ("400-820-8820", "400-820-8820"),
    ("+31 40 279 1111", "+31402791111"),
])
def test_phone_numbers_get_one_canonical_form(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("021-61234567 转 801", "021-61234567-801"),
    ("021-61234567转801", "021-61234567-801"),
    ("021-61234567 ext. 12", "021-61234567-12"),
    ("021-61234567 x12", "021-61234567-12"),
    ("021-61234567#12", "021-61234567-12"),
    ("0755-88886666 分机 3", "0755-88886666-3"),
])
def test_extensions_are_kept_after_a_dash(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_matching_ignores_the_extension() -> None:
    assert phone_match_key("021-61234567-801") == "021-61234567"
    assert phone_match_key("61234567-3") == "61234567"
    assert phone_match_key("13800138000") == "13800138000"


def test_blank_phone_means_unknown() -> None:
    assert normalize_phone("  ") == ""


@pytest.mark.parametrize("raw", ["1380013800", "138001380001", "12345678901", "+86 138 0013 800"])
def test_a_malformed_mobile_says_so_in_chinese(raw: str) -> None:
    with pytest.raises(PhoneError, match="手机号码格式不正确"):
        normalize_phone(raw)


@pytest.mark.parametrize("raw", ["021-6123", "abc", "0755-0123456", "021-61234567 / 13800138000", "+1 23"])
def test_a_malformed_number_says_so_in_chinese(raw: str) -> None:
    with pytest.raises(PhoneError, match="号码格式不正确") as error:
        normalize_phone(raw)
    assert raw in str(error.value)


def test_a_mobile_with_an_extension_is_rejected() -> None:
    with pytest.raises(PhoneError, match="手机号码没有分机号"):
        normalize_phone("13800138000 转 1")


def test_phone_error_is_a_value_error() -> None:
    assert issubclass(PhoneError, ValueError)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "0086", "+86 ", "86"]))
def test_every_mobile_survives_any_prefix_and_spacing(mobile: str, prefix: str) -> None:
    spaced = f"{prefix}{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    assert normalize_phone(spaced) == mobile


@given(st.sampled_from(["010", "021", "0755", "0571"]), st.from_regex(r"[2-9][0-9]{7}", fullmatch=True))
def test_normalized_phones_are_fixed_points(area: str, local: str) -> None:
    once = normalize_phone(f"({area}) {local[:4]}-{local[4:]}")
    assert normalize_phone(once) == once


@pytest.mark.parametrize(("raw", "expected"), [
    (" Zhang.San@Example.COM ", "zhang.san@example.com"),
    ("li+crm@huawei.com.cn", "li+crm@huawei.com.cn"),
    ("ＷＡＮＧ＠ＱＱ．ＣＯＭ", "wang@qq.com"),
    ("mailto:sales@midea.com", "sales@midea.com"),
    ("", ""),
])
def test_email_addresses_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["a@b", "a@b.c", "no-at-sign.com", "two@@at.com", "a b@c.com", ".a@b.com", "a@-b.com"])
def test_a_malformed_email_says_so_in_chinese(raw: str) -> None:
    with pytest.raises(EmailError, match="电子邮箱格式不正确"):
        normalize_email(raw)
