"""Signals in visit notes (V2): what a manager must see is found, what a note denies or merely resembles is not."""

from __future__ import annotations

import json

import pytest

from shangji.visits import signals
from shangji.visits.signals import DEFAULT_RULES, Found, Risk, SignalRule, extract

REALISTIC_NOTES = {
    "stock_out": "今天拜访永辉超市五一店，主推的500ml装已经断货三天了，店长催着补货。",
    "competitor_entry": "华润万家南山店本周新品牌进店两个，隔壁货架出现竞品，陈列在我们旁边。",
    "complaint": "有顾客投诉上批无糖款漏液，店长要求退货。",
    "payment": "经销商老板说资金紧张，上月货款还拖欠八万。",
    "churn_risk": "采购暗示下月暂停订货，老板在考虑换品牌。",
    "price_cut": "对面大润发在做买一送一，竞品降价百分之十五。",
    "overstock": "礼盒装节后卖不动，仓库库存积压两百箱。",
    "price_objection": "老板嫌贵，说我们的进货价比竞品贵两块。",
    "display_loss": "本月排面减少一半，端架被占，我们被挪到角落。",
    "contact_change": "原采购经理离职了，新来的对接人还不熟。",
    "delivery": "上周发错货，物流慢了两天，门店有意见。",
    "materials": "中秋促销物料未到，门口缺海报。",
    "new_demand": "老板说下周要加单，另外新开门店也想引进我们的家庭装。",
    "selling_well": "新品无糖款卖得好，店长说回头客多。",
}


def kinds(text: str, **options) -> list[str]:
    return [found.kind for found in extract(text, **options)]


@pytest.mark.parametrize("kind", sorted(REALISTIC_NOTES))
def test_every_shipped_kind_is_found_in_a_realistic_note(kind):
    assert kind in kinds(REALISTIC_NOTES[kind])


def test_the_realistic_notes_cover_every_shipped_kind():
    assert set(REALISTIC_NOTES) == {rule.kind for rule in DEFAULT_RULES}


def test_the_shipped_dictionary_has_ten_to_fourteen_kinds_of_five_to_fifteen_words_each_in_one_kind_only():
    assert 10 <= len(DEFAULT_RULES) <= 14
    assert all(5 <= len(rule.words) <= 15 for rule in DEFAULT_RULES)
    words = [word for rule in DEFAULT_RULES for word in rule.words]
    assert len(words) == len(set(words))
    assert {rule.risk for rule in DEFAULT_RULES} == set(Risk.values)


def test_a_found_signal_carries_its_label_risk_word_and_the_clause_it_was_in():
    assert extract("今天拜访永辉超市，主推的500ml装已经断货三天了，店长很不满意。") == [
        Found("stock_out", "缺货", "high", "断货", "主推的500ml装已经断货三天了"),
        Found("complaint", "投诉", "high", "不满意", "店长很不满意"),
    ]


def test_risk_levels_read_in_chinese():
    assert [str(label) for label in Risk.labels] == ["高", "中", "低", "机会"]


@pytest.mark.parametrize("note", [
    "不缺货", "没有投诉", "未发现竞品", "暂无降价", "并未发现竞品进场", "今天没有发现任何竞品进场",
    "经销商不再拖欠货款", "应该不会断货", "没有客户投诉", "本月没有合作意向",
])
def test_a_negated_signal_is_not_reported(note):
    assert extract(note) == []


def test_a_negator_only_reaches_its_own_clause():
    assert kinds("没有降价，但是500ml装断货了") == ["stock_out"]
    assert kinds("本周不缺货；竞品降价了") == ["price_cut"]


def test_a_negator_further_away_or_inside_another_word_does_not_cancel_the_signal():
    assert kinds("不知道为什么又断货了") == ["stock_out"]
    assert kinds("不少门店断货") == ["stock_out"]
    assert kinds("不断有顾客投诉") == ["complaint"]
    assert kinds("新品无糖款已经断货三天") == ["stock_out"]


@pytest.mark.parametrize(("note", "inner_word"), [
    ("结账期间客户来电咨询", "账期"),
    ("参加单位很多", "加单"),
    ("客户要求增加单价", "加单"),
    ("需要判断货物是否受潮", "断货"),
    ("高压价格表已发给采购", "压价"),
    ("本月销售额下降价格不变", "降价"),
    ("新员工还在试用期", "试用"),
    ("第二期培训下周开始", "二期"),
])
def test_a_dictionary_word_inside_other_words_is_not_a_signal(note, inner_word):
    assert inner_word in note  # plain substring search would report it
    assert extract(note) == []


def test_a_phrase_jieba_cuts_into_several_tokens_still_matches_on_its_boundaries():
    assert [(found.kind, found.word) for found in extract("客户说货架空了")] == [("stock_out", "货架空了")]


def test_tags_match_exactly_and_are_never_negated():
    assert extract("", tags=["缺货", " 投诉 ", "有点缺货", ""]) == [
        Found("stock_out", "缺货", "high", "缺货", "缺货"),
        Found("complaint", "投诉", "high", "投诉", "投诉"),
    ]
    assert kinds("一切正常", tags=["不满意"]) == ["complaint"]


def test_the_note_is_preferred_to_a_tag_as_evidence_of_the_same_kind():
    assert extract("主推款断货", tags=["缺货"]) == [Found("stock_out", "缺货", "high", "断货", "主推款断货")]


def test_one_signal_per_kind_with_its_first_evidence():
    [found] = extract("家庭装断货，礼盒装也缺货，补货不及时")
    assert (found.kind, found.word, found.snippet) == ("stock_out", "断货", "家庭装断货")


def test_signals_are_ordered_by_risk_then_by_position():
    note = "老板想加单，物流慢，竞品降价，店长不满意，主推款断货，卖得好"
    assert kinds(note) == ["complaint", "stock_out", "price_cut", "delivery", "new_demand", "selling_well"]


def test_custom_rules_replace_the_shipped_dictionary():
    rules = [
        SignalRule("upgrade", "系统升级", "positive", ["ERP升级", "上云"]),
        SignalRule("safety", "安全隐患", "high", ("安全隐患", "漏油")),
    ]
    found = extract("客户明年计划ERP升级，车间液压站漏油，主推款断货", rules=rules)
    assert [(item.kind, item.label, item.word) for item in found] == [
        ("safety", "安全隐患", "漏油"), ("upgrade", "系统升级", "ERP升级")]
    assert extract("没有漏油", rules=rules) == []
    assert extract("主推款断货", rules=[]) == []


def test_equal_rules_reuse_the_compiled_matcher():
    def rules():  # a fresh but equal copy, as when rows are read from the database again
        return [SignalRule("safety", "安全隐患", "high", ["安全隐患", "漏油"])]

    extract("漏油", rules=rules())
    before = signals._matcher.cache_info()
    assert kinds("车间漏油", rules=rules()) == ["safety"]
    after = signals._matcher.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


def test_a_rule_with_an_unknown_risk_level_or_a_word_with_punctuation_is_refused():
    with pytest.raises(ValueError, match="风险等级"):
        SignalRule("odd", "奇怪", "urgent", ("奇怪",))
    with pytest.raises(ValueError, match="标点"):
        SignalRule("odd", "奇怪", "low", ("缺货，断货",))


@pytest.mark.parametrize("note", ["", "   ", "\n\t \n", "，。；！？"])
def test_an_empty_note_has_no_signals(note):
    assert extract(note) == []


def test_a_very_long_note_is_scanned_and_its_snippet_kept_short():
    long_clause = "门店整体运营正常客流稳定" * 900 + "主推款断货" + "员工服务热情" * 100
    assert len(long_clause) > 10_000
    [found] = extract(long_clause)
    assert found.kind == "stock_out" and "断货" in found.snippet and len(found.snippet) <= signals.SNIPPET_CHARS
    many_clauses = "，".join(["门店整体运营正常"] * 1200) + "，礼盒装卖不动。"
    assert kinds(many_clauses) == ["overstock"]


def test_english_text_has_no_signals_and_does_not_fail():
    assert extract("Visited the store: shelves full, no complaints. Manager wants a quote for Q3!") == []


def test_jiebas_shared_tokenizer_does_not_learn_the_signal_words():
    import jieba

    from shangji.leads.tagging import warm_up as warm_up_tagging

    signals.warm_up()
    warm_up_tagging()
    assert "补货不及时" not in jieba.dt.FREQ and "竞品进场" not in jieba.dt.FREQ


def test_the_benchmark_runs_on_a_small_corpus_and_beats_substring_search_on_quality(capsys):
    from bench import visit_signals

    lines = visit_signals.run(notes=300, repeats=1)
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == lines
    by_metric = {line["metric"]: line for line in lines}
    assert by_metric["notes_per_s"]["value"] > 0 and by_metric["notes_per_s"]["n"] == 300
    assert by_metric["f1"]["value"] > by_metric["f1"]["baseline_value"]
