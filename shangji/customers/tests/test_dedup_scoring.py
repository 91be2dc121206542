"""Pair scoring, blocking keys and the name generator (C1, C2)."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shangji.customers.dedup import (
    DEFAULT_STRONG_MATCH,
    STRONG_MATCH,
    MatchInput,
    blocking_keys,
    make_credit_code,
    make_organization_code,
    normalize_company_name,
    score_pair,
)
from shangji.customers.dedup.variants import generate_companies, generate_records

CODE_A = make_credit_code("91440300" + make_organization_code("70846113"))
CODE_B = make_credit_code("91440300" + make_organization_code("70846114"))


def _name(raw: str) -> MatchInput:
    return MatchInput(name=normalize_company_name(raw))


def _score(a: MatchInput, b: MatchInput) -> float:
    return score_pair(a, b).score


def test_the_strong_match_threshold_is_085() -> None:
    assert DEFAULT_STRONG_MATCH == STRONG_MATCH == 0.85


def test_same_credit_code_is_a_certain_match_even_after_a_rename() -> None:
    result = score_pair(MatchInput("华为技术", CODE_A), MatchInput("华为终端", CODE_A))
    assert result.score >= 0.99
    assert "credit_code" in result.reasons


def test_different_credit_codes_stay_below_a_strong_match_even_with_the_same_name_and_phone() -> None:
    a = MatchInput("美的电器", CODE_A, "0757-26338888")
    b = MatchInput("美的电器", CODE_B, "0757-26338888")
    assert _score(a, b) < DEFAULT_STRONG_MATCH


def test_variants_of_one_company_match_strongly() -> None:
    assert _score(_name("广东省深圳市华为技术有限公司"), _name("華為技術(中国)股份有限公司")) >= DEFAULT_STRONG_MATCH
    assert _score(_name("ＴＣＬ科技集团股份有限公司"), _name("惠州市TCL科技有限公司")) >= DEFAULT_STRONG_MATCH


def test_one_typo_in_a_long_name_still_matches() -> None:
    assert _score(_name("深圳市腾讯计算机系统有限公司"), _name("腾讯计算机系筒有限公司")) >= DEFAULT_STRONG_MATCH
    assert _score(_name("光翔源凯电子科技有限公司"), _name("光翔原凯电子科技有限公司")) >= DEFAULT_STRONG_MATCH


@pytest.mark.parametrize(("left", "right"), [
    ("华为技术有限公司", "华为终端有限公司"),
    ("美的电器有限公司", "美的置业有限公司"),
    ("三一重工股份有限公司", "三一重机有限公司"),
    ("鼎合鼎和信息技术有限公司", "鼎合鼎和技术有限公司"),
    ("华为技术有限公司", "华伟技术有限公司"),
    ("驰鼎新能源科技有限公司", "林鼎新能源科技有限公司"),
    ("华为技术有限公司", "华为技术有限公司北京分公司"),
    ("华为技术有限公司北京分公司", "华为技术有限公司上海分公司"),
])
def test_hard_negatives_never_match_strongly(left: str, right: str) -> None:
    assert _score(_name(left), _name(right)) < DEFAULT_STRONG_MATCH


def test_a_shared_switchboard_does_not_merge_two_businesses_of_one_brand() -> None:
    a = MatchInput("美的电器", phone="0757-26338888")
    b = MatchInput("美的置业", phone="0757-26338888-1")
    assert _score(a, b) < DEFAULT_STRONG_MATCH


def test_a_short_name_plus_the_same_phone_is_a_strong_match() -> None:
    result = score_pair(MatchInput("华为", phone="13800138000"), MatchInput("华为技术", phone="13800138000"))
    assert result.score >= DEFAULT_STRONG_MATCH
    assert result.reasons == ("name_similar", "phone")


def test_a_short_name_alone_is_only_a_possible_match() -> None:
    assert 0 < _score(MatchInput("华为"), MatchInput("华为技术")) < DEFAULT_STRONG_MATCH


def test_a_phone_alone_is_weak_evidence() -> None:
    assert _score(MatchInput("华为", phone="13800138000"), MatchInput("格力", phone="13800138000")) < 0.6


def test_the_same_email_with_a_contained_name_is_a_strong_match() -> None:
    a = MatchInput("jenner", email="office@jenner.org")
    b = MatchInput("chicago public schools jenner academy of the arts", email="office@jenner.org")
    assert _score(a, b) >= DEFAULT_STRONG_MATCH


def test_exact_names_give_the_name_exact_reason() -> None:
    assert score_pair(MatchInput("华为技术"), MatchInput("华为技术")).reasons == ("name_exact",)


@pytest.mark.parametrize(("left", "right"), [
    ("AKZO NOBEL N.V.", "Akzo Novel NV"),
    ("Alcatel", "Alkatel"),
    ("Koninklijke Philips Electronics N.V.", "Philips Electronics"),
    ("Abraham Lincoln Centre - Donoghue", "Abraham Lincoln Center Donoghue"),
    ("Tiny Tots Villa", "Tiny Tot Villa"),
])
def test_latin_variants_match_strongly(left: str, right: str) -> None:
    assert _score(_name(left), _name(right)) >= DEFAULT_STRONG_MATCH


@pytest.mark.parametrize(("left", "right"), [
    ("YMCA of Metropolitan Chicago - Garfield", "YMCA of Metropolitan Chicago - Rauner"),
    ("El Valor Little Tykes I", "El Valor Little Tykes II"),
    ("Schlumberger", "Schlumberger Technology"),
    ("DSM", "DSM IP Assets"),
    ("Philips Electronics", "Philips Lighting"),
])
def test_latin_hard_negatives_never_match_strongly(left: str, right: str) -> None:
    assert _score(_name(left), _name(right)) < DEFAULT_STRONG_MATCH


_NAMES = st.one_of(
    st.text(min_size=1, max_size=20),
    st.text(alphabet="华为美的腾讯技术电器置业科技分公司北京深圳 ", min_size=1, max_size=12),
    st.text(alphabet="abcde xyz", min_size=1, max_size=20),
)
_INPUTS = st.builds(
    MatchInput,
    name=_NAMES.map(normalize_company_name),
    credit_code=st.sampled_from(["", CODE_A, CODE_B]),
    phone=st.sampled_from(["", "13800138000", "021-61234567", "021-61234567-8"]),
    email=st.sampled_from(["", "a@b.cn", "c@d.cn"]),
)


@given(_NAMES.map(normalize_company_name).filter(bool))
def test_a_name_always_matches_itself(name: str) -> None:
    assert _score(MatchInput(name), MatchInput(name)) >= STRONG_MATCH


@given(_INPUTS, _INPUTS)
def test_scores_are_between_zero_and_one_and_symmetric(a: MatchInput, b: MatchInput) -> None:
    forward, backward = score_pair(a, b), score_pair(b, a)
    assert 0.0 <= forward.score <= 1.0
    assert forward.score == backward.score
    assert forward.reasons == backward.reasons


@given(_NAMES.map(normalize_company_name))
def test_blocking_gives_at_most_six_keys_and_always_the_full_name(name: str) -> None:
    keys = blocking_keys(name)
    assert len(keys) <= 6
    assert (f"n:{name}" in keys) == bool(name)


def test_blocking_never_keys_on_a_bare_industry_phrase() -> None:
    for name in ("腾讯电子科技", "小米计算机系统", "华为技术"):
        assert not {"bc:电子科技", "bc:计算机系统", "b:电子", "w:科技"} & blocking_keys(name)


def test_a_typo_anywhere_in_a_long_name_keeps_a_shared_key() -> None:
    for name in ("光翔源凯电子科技服务", "腾讯计算机系统服务", "华强北电子"):
        for position in range(len(name)):
            typo = name[:position] + "〇" + name[position + 1:]
            if score_pair(MatchInput(name), MatchInput(typo)).score >= DEFAULT_STRONG_MATCH:
                assert blocking_keys(name) & blocking_keys(typo), typo


def test_a_typo_in_a_short_brand_is_not_blocked_because_it_cannot_match_strongly() -> None:
    assert not blocking_keys("腾讯计算机系统服务") & blocking_keys("〇讯计算机系统服务")
    assert score_pair(MatchInput("腾讯计算机系统服务"), MatchInput("〇讯计算机系统服务")).score < DEFAULT_STRONG_MATCH


def test_latin_names_share_a_key_when_one_word_is_misspelt() -> None:
    assert blocking_keys("akzo nobel") & blocking_keys("akzo novel")
    assert blocking_keys("alcatel") & blocking_keys("alkatel")


def test_the_generator_is_deterministic() -> None:
    assert generate_records(50, seed=7) == generate_records(50, seed=7)
    assert generate_records(50, seed=7) != generate_records(50, seed=8)


def test_generated_companies_never_share_a_normalized_name() -> None:
    names = [normalize_company_name(c.name) for c in generate_companies(300, seed=3)]
    assert len(names) == len(set(names))


def test_blocking_and_scoring_recover_generated_duplicates() -> None:
    """A small run of bench/match_quality.py's generated data set, so the benchmark cannot rot."""
    records = generate_records(300, seed=11)
    inputs = [MatchInput(normalize_company_name(r.name), r.credit_code, r.phone, r.email) for r in records]
    buckets: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(inputs):
        phone_keys = {f"phone:{item.phone}"} if item.phone else set()
        for key in blocking_keys(item.name) | phone_keys:
            buckets[key].append(index)
    candidates = {pair for members in buckets.values() for pair in combinations(members, 2)}
    predicted = {(i, j) for i, j in candidates if score_pair(inputs[i], inputs[j]).score >= DEFAULT_STRONG_MATCH}
    truth = {(i, j) for i, j in combinations(range(len(records)), 2) if records[i].entity_id == records[j].entity_id}
    precision = len(predicted & truth) / len(predicted)
    recall = len(predicted & truth) / len(truth)
    assert 2 * precision * recall / (precision + recall) >= 0.95
