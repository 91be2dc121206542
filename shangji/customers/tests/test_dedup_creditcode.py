"""统一社会信用代码 validation, GB 32100-2015 (C2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shangji.customers.dedup import (
    CreditCodeError,
    is_valid_credit_code,
    make_credit_code,
    make_organization_code,
    validate_credit_code,
)
from shangji.customers.dedup.creditcode import CHARSET


def _code(authority: str = "91", region: str = "350100", org_body: str = "M000100Y") -> str:
    return make_credit_code(authority + region + make_organization_code(org_body))


def test_a_published_format_example_is_valid() -> None:
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize("code", [
    _code(),
    _code("91", "440300", "70846113"),
    _code("92", "110108", "L1234567"),
    _code("51", "310000", "50000000"),
    _code("Y1", "330100", "AB12CD34"),
])
def test_codes_built_with_make_credit_code_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)


def test_make_credit_code_appends_the_check_character() -> None:
    assert make_credit_code("91350100M000100Y4") == "91350100M000100Y43"


def test_make_organization_code_appends_the_gb11714_check() -> None:
    assert make_organization_code("M000100Y") == "M000100Y4"


def test_spaces_dashes_and_lower_case_are_tolerated() -> None:
    assert validate_credit_code(" 9135 0100-m000 100y43 ") == "91350100M000100Y43"


def test_blank_means_unknown() -> None:
    assert validate_credit_code("   ") == ""
    assert not is_valid_credit_code("")


def test_wrong_length_says_how_long_it_should_be() -> None:
    with pytest.raises(CreditCodeError, match="统一社会信用代码应为18位，当前为 17 位"):
        validate_credit_code("91350100M000100Y4")


def test_an_illegal_letter_is_named_with_its_position() -> None:
    with pytest.raises(CreditCodeError, match="统一社会信用代码第 9 位含非法字符 'I'") as error:
        validate_credit_code("91350100I000100Y43")
    assert "不使用 I、O、Z、S、V" in str(error.value)


def test_the_region_part_must_be_digits() -> None:
    code = make_credit_code("91A50100" + make_organization_code("M000100Y"))
    with pytest.raises(CreditCodeError, match="第 3–8 位应为数字"):
        validate_credit_code(code)


def test_a_wrong_check_character_says_what_it_should_be() -> None:
    with pytest.raises(CreditCodeError, match="统一社会信用代码校验位错误：应为 3"):
        validate_credit_code("91350100M000100Y44")


def test_a_wrong_organization_code_check_is_caught_too() -> None:
    # Position 17 is the GB 11714 check of the organization code (should be 4).
    forged = make_credit_code("91350100M000100Y5")
    with pytest.raises(CreditCodeError, match="组织机构代码.*第 17 位应为 4"):
        validate_credit_code(forged)


def test_error_is_a_value_error_for_form_code_that_catches_value_error() -> None:
    assert issubclass(CreditCodeError, ValueError)


def test_make_credit_code_rejects_bodies_of_the_wrong_length() -> None:
    with pytest.raises(CreditCodeError, match="前17位"):
        make_credit_code("9135")


_BODY = st.tuples(
    st.sampled_from(["11", "12", "51", "52", "91", "92", "93", "Y1"]),
    st.integers(min_value=110000, max_value=820000).map(str),
    st.text(alphabet=CHARSET, min_size=8, max_size=8),
)


@given(_BODY)
def test_every_generated_code_validates(body: tuple[str, str, str]) -> None:
    authority, region, org_body = body
    code = make_credit_code(authority + region + make_organization_code(org_body))
    assert validate_credit_code(code) == code


@given(_BODY, st.integers(min_value=0, max_value=17), st.sampled_from(CHARSET))
def test_any_single_character_typo_is_detected(body: tuple[str, str, str], position: int, char: str) -> None:
    authority, region, org_body = body
    code = make_credit_code(authority + region + make_organization_code(org_body))
    typo = code[:position] + char + code[position + 1:]
    if typo != code:
        assert not is_valid_credit_code(typo)
