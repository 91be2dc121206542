"""V2: business signals in visit notes — 缺货, 降价, 竞品进场, 投诉, 回款 … — each with a risk level, found in the
rep's free-text note and in the pain-keyword tags they picked.

The dictionary is data (sales ops edit it; it will be stored as rows); this module is the pure engine and the shipped
default. A dictionary word counts only where jieba's segmentation puts a word boundary on both sides of it, so "账期"
is not found in "结账期间" nor "加单" in "参加单位"; a negator shortly before it in the same clause ("不缺货",
"暂无降价", "没有发现竞品进场") cancels it. Only clauses that contain a dictionary word at all are segmented."""

from __future__ import annotations

import functools
import itertools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shangji.visits.choices import Risk

# Results list the riskiest first; opportunities come last so a manager's eye lands on what needs saving.
_RISK_RANK = {risk: rank for rank, risk in enumerate(Risk.values)}
# A note is read clause by clause: a negator in one clause says nothing about the next.
_CLAUSE_BREAK = re.compile(r"[，。；！？,.;!?\r\n]+")
# A negator token ending at most this many characters before the word cancels it: "没有发现任何竞品进场" is 4 apart,
# while "不知道为什么断货了" (5 apart) really reports a stock-out.
NEGATION_REACH = 4
NEGATORS = frozenset({
    "不", "没", "没有", "未", "无", "暂无", "并未", "不再",
    # Tokens jieba keeps whole that negate just the same.
    "并无", "并不", "从未", "尚未", "毫无", "未见", "没什么", "不会", "不用",
})
# Product words that start with a negator character yet deny nothing. jieba's dictionary lacks them; cut up, they leave
# a lone 无/不 token that would cancel the next signal ("无糖款已经断货", "无添加酱油卖不动").
NOT_NEGATING = ("无糖", "无蔗糖", "无添加", "无醇", "无酒精", "无骨", "无人货架", "无人店", "不织布")
SNIPPET_CHARS = 40
# Each compiled matcher holds its own copy of jieba's frequency table (~15 MB); a handful covers the shipped
# dictionary, the company's edited one and one being tried out in the editor.
_MATCHERS_KEPT = 4


@dataclass(frozen=True)
class SignalRule:
    """One kind of signal in the dictionary: its code, what sales ops call it, how risky it is, and the words and
    phrases in a note that reveal it."""

    kind: str
    label: str
    risk: str
    words: tuple[str, ...]

    def __post_init__(self):
        # Rules arrive from the database with lists of words; a tuple keeps the rule hashable for the matcher cache.
        object.__setattr__(self, "words", tuple(word.strip() for word in self.words if word.strip()))
        if self.risk not in _RISK_RANK:
            raise ValueError(_("信号“%(label)s”的风险等级“%(risk)s”无效，请选择 高、中、低 或 机会。")
                             % {"label": self.label, "risk": self.risk})
        for word in self.words:
            if _CLAUSE_BREAK.search(word):
                raise ValueError(_("信号“%(label)s”的触发词“%(word)s”含有标点或换行：备注按标点分句，"
                                   "这样的词永远匹配不到，请删去标点。") % {"label": self.label, "word": word})


@dataclass(frozen=True)
class Found:
    """A signal found in one visit: the rule's kind, label and risk, the word that revealed it, and the clause
    around it (for a tag, the tag itself) so the reader sees the evidence without opening the note."""

    kind: str
    label: str
    risk: str
    word: str
    snippet: str


def _rule(kind: str, label: str, risk: Risk, words: str) -> SignalRule:
    return SignalRule(kind=kind, label=label, risk=risk.value, words=tuple(words.split()))


DEFAULT_RULES: tuple[SignalRule, ...] = (
    _rule("stock_out", "缺货", Risk.HIGH,
          "缺货 断货 没货 没有货 无货 补货不及时 供货不足 断供 空架 货架空了 卖断货 缺品 订不到货 货源紧张"),
    _rule("competitor_entry", "竞品进场", Risk.HIGH,
          "竞品进场 竞品已进场 新品牌进店 对手铺货 换供应商 竞品上架 竞品铺货 竞品入驻 发现竞品 出现竞品 改用竞品 "
          "竞品买断 竞品抢占 对手进场"),
    _rule("complaint", "投诉", Risk.HIGH,
          "投诉 不满意 质量问题 退货 客诉 差评 售后问题 包装破损 产品过期 过期产品 异味 漏液 索赔 有异物"),
    _rule("payment", "回款", Risk.HIGH,
          "回款慢 拖欠 账期 欠款 压款 催款 付款延迟 资金紧张 坏账 逾期未付 延期付款 回款困难 不能按时回款 对账不符"),
    _rule("churn_risk", "客户流失风险", Risk.HIGH,
          "客户流失 流失风险 不再进货 停止合作 终止合作 暂停订货 砍单 减少进货 撤柜 准备关店 关门歇业 转让店铺 "
          "订单减少 考虑换品牌"),
    _rule("price_cut", "降价", Risk.MEDIUM,
          "降价 打折 促销力度大 压价 竞品降价 价格战 低价倾销 特价 让利 砸价 买一送一 降价促销"),
    _rule("overstock", "库存积压", Risk.MEDIUM,
          "库存积压 压货 积压 滞销 卖不动 动销慢 周转慢 临期 库存过高 库存太多 清库存 退仓"),
    _rule("price_objection", "价格异议", Risk.MEDIUM,
          "价格太高 太贵 嫌贵 价格偏高 报价高 价格没优势 比竞品贵 性价比低 利润太低 毛利低"),
    _rule("display_loss", "陈列问题", Risk.MEDIUM,
          "排面减少 排面被压缩 陈列位置差 堆头被撤 端架被占 陈列被挤占 货架位置差 陈列不达标 被挪到角落"),
    _rule("contact_change", "关键人变动", Risk.MEDIUM,
          "采购换人 负责人离职 老板换了 换老板 换采购 人事变动 对接人调岗 店长调走 店长离职 新店长 采购经理离职"),
    _rule("delivery", "配送问题", Risk.LOW,
          "送货晚 送货不及时 发错货 少发货 漏发 物流慢 配送延误 到货延迟 货损"),
    _rule("materials", "物料缺失", Risk.LOW,
          "物料不足 缺海报 价签缺失 价签错误 没有价签 物料未到 展架损坏 缺少宣传物料 堆头物料不全"),
    _rule("new_demand", "新需求/加单", Risk.POSITIVE,
          "加单 追加订单 新需求 扩大采购 增加订货 新开门店 想引进 要报价 询价 试用 二期 有意向 采购意向 合作意向"),
    _rule("selling_well", "动销良好", Risk.POSITIVE,
          "卖得好 动销快 走货快 销量上涨 销量增长 供不应求 复购 回头客多 好评 反馈好 口碑好"),
)


def extract(text: str, tags: Iterable[str] = (), rules: Iterable[SignalRule] = DEFAULT_RULES) -> list[Found]:
    """The signals in one visit, one per kind (its first evidence: the note before the tags, since a clause says
    more than a bare tag), riskiest first and, within a risk level, in the order they appear."""
    matcher = _matcher(tuple(rules))
    first_by_kind: dict[str, tuple[int, Found]] = {}
    evidence = itertools.chain(matcher.in_text(text or ""), matcher.in_tags(tags))
    for position, (rule, word, snippet) in enumerate(evidence):
        if rule.kind not in first_by_kind:
            first_by_kind[rule.kind] = (position, Found(rule.kind, rule.label, rule.risk, word, snippet))
    ranked = sorted(first_by_kind.values(), key=lambda item: (_RISK_RANK[item[1].risk], item[0]))
    return [found for _position, found in ranked]


def warm_up() -> None:
    """Load jieba's dictionary and compile the shipped rules now (about two seconds), so a worker's first visit
    note does not wait for it."""
    _matcher(DEFAULT_RULES)


class _Matcher:
    """One dictionary compiled: which rules each word belongs to, a quick test for clauses worth segmenting, and a
    private jieba tokenizer that keeps every dictionary word in one piece."""

    def __init__(self, rules: tuple[SignalRule, ...]):
        self.rules_by_word: dict[str, list[SignalRule]] = {}
        for rule in rules:
            for word in rule.words:
                self.rules_by_word.setdefault(word, []).append(rule)
        words = sorted(self.rules_by_word, key=len, reverse=True)
        self.longest = len(words[0]) if words else 0
        # Most clauses hold no dictionary word at all; a regular expression rules them out far faster than jieba.
        self.candidates = re.compile("|".join(map(re.escape, words))) if words else None
        self.tokenizer = _tokenizer_knowing(words)

    def in_text(self, text: str) -> Iterator[tuple[SignalRule, str, str]]:
        """(rule, word, snippet) for each dictionary word standing on word boundaries and not negated, in order."""
        if self.candidates is None:
            return
        for clause in _CLAUSE_BREAK.split(text):
            if not self.candidates.search(clause):
                continue
            tokens = list(self.tokenizer.tokenize(clause, HMM=False))
            for index, (_token, start, _end) in enumerate(tokens):
                for end in self._word_ends(tokens, index):
                    word = clause[start:end]
                    if word in self.rules_by_word and not _negated(tokens, index):
                        snippet = _snippet(clause, start, end)
                        for rule in self.rules_by_word[word]:
                            yield rule, word, snippet

    def in_tags(self, tags: Iterable[str]) -> Iterator[tuple[SignalRule, str, str]]:
        """Tags are pain keywords the rep chose deliberately: an exact dictionary word is a signal, no negation."""
        for tag in tags:
            word = (tag or "").strip()
            for rule in self.rules_by_word.get(word, ()):
                yield rule, word, word

    def _word_ends(self, tokens: list[tuple[str, int, int]], index: int) -> Iterator[int]:
        """Ends of the token runs starting at `index`: a phrase jieba still cuts into several tokens (or one with a
        space in it) matches as long as it starts and ends on token boundaries."""
        start = tokens[index][1]
        for _token, _start, end in tokens[index:]:
            if end - start > self.longest:
                return
            yield end


def _negated(tokens: list[tuple[str, int, int]], index: int) -> bool:
    """Whether a negator token sits just before the word: whole tokens only, so "不少门店断货" and "不断有客户投诉"
    still count."""
    start = tokens[index][1]
    for token, _start, end in reversed(tokens[:index]):
        if start - end > NEGATION_REACH:
            return False
        if token in NEGATORS:
            return True
    return False


def _snippet(clause: str, start: int, end: int) -> str:
    """The clause around the word, cut to SNIPPET_CHARS with the word kept near the middle."""
    if len(clause.strip()) <= SNIPPET_CHARS:
        return clause.strip()
    begin = max(0, min(start - (SNIPPET_CHARS - (end - start)) // 2, len(clause) - SNIPPET_CHARS))
    return clause[begin:begin + SNIPPET_CHARS].strip()


@functools.lru_cache(maxsize=_MATCHERS_KEPT)
def _matcher(rules: tuple[SignalRule, ...]) -> _Matcher:
    """Rules are data that rarely change: compile each distinct dictionary once, not once per note."""
    return _Matcher(rules)


def _shared_tokenizer():
    """jieba's module-level tokenizer, loaded once per process and shared with leads/tagging.py (its dictionary is
    ~95 MB in memory); this module only copies its frequency table, never adds to it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt


def _tokenizer_knowing(words: Iterable[str]):
    """A private jieba tokenizer with the dictionary words (and NOT_NEGATING) added, each weighted just enough to
    stay whole on its own (jieba's suggested frequency), so neighbours still win: "结账期间" stays 结账/期间 even
    with 账期 added.

    jieba's module-level tokenizer serves leads/tagging.py and must not learn our words, and loading the default
    dictionary a second time would cost ~1.5 s and ~95 MB, so its frequency table is copied instead (~15 ms, ~15 MB:
    the words themselves are shared). FREQ, total and initialized are jieba 0.42's own attributes (the version is
    locked, and jieba has had no release since)."""
    import jieba

    base = _shared_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(base.FREQ), base.total, True
    for word in itertools.chain(words, NOT_NEGATING):
        tokenizer.add_word(word)
    return tokenizer
