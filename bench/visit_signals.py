"""Visit-note signal extraction (V2): notes per second of `shangji.visits.signals.extract`, and how often it is right.

Run from the repository root (no Django settings, no database)::

    .venv/bin/python -m bench.visit_signals [--notes 20000] [--repeats 5]

The corpus is generated, deterministic (``random.Random(5)``): each note is a visit opening followed by zero to three
clauses drawn from plain remarks, signal phrases (every shipped kind), negated signals ("本周不缺货", "没有发现竞品
进场") and look-alikes where a dictionary word sits inside other words ("结账期间", "参加单位"). The generator knows
which kinds each note holds, so precision and recall are measured too — on synthetic notes written with the shipped
dictionary's own words, so they show negation and look-alike handling, not coverage of real reps' language.
Throughput is the median of ``--repeats`` timed passes after a warm-up. The baseline, in the same run, is plain
substring search of every dictionary word (no segmentation, no negation).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bench.common import emit
from shangji.visits.signals import DEFAULT_RULES, extract, warm_up

BENCH = "visits.signal_extraction"
BASELINE = "substring"
SHOPS = ["永辉超市五一店", "华润万家南山店", "大润发杨浦店", "美宜佳便利店", "红旗连锁春熙店", "物美超市",
         "步步高广场店", "中百仓储", "家家悦", "汇通建材", "恒瑞精密机械", "鑫达化工", "宏盛五金机电", "联华快客"]
SKUS = ["500ml装", "新品无糖款", "无添加酱油", "家庭装", "礼盒装", "24瓶整箱", "液压阀", "密封件", "工业润滑油",
        "劳保手套"]
OPENINGS = ["今天拜访{shop}", "上午到{shop}巡店", "下午回访{shop}", "{shop}店长反馈", "电话回访{shop}采购"]
PLAIN = ["主推新品已陈列到位", "和店长确认了下月促销排期", "拍了货架照片上传", "库存盘点正常", "门店客流一般",
         "约了下周三再来", "新品试吃反馈一般", "采购说合同下周盖章", "已送样品两箱", "设备运行稳定", "{sku}卖了二十箱",
         "老板在外地出差", "留了产品资料"]
LOOKALIKES = ["结账期间客户来电咨询", "参加单位很多", "需要判断货物是否受潮", "高压价格表已发给采购",
              "新员工还在试用期", "第二期培训下周开始", "本月销售额下降价格不变"]
NEGATED = ["本周不缺货", "暂无降价", "没有发现竞品进场", "没有客户投诉", "客户不再拖欠", "并未出现退货",
           "{sku}没有积压", "价格并不太贵", "暂无人事变动", "没有加单"]
SIGNALS = {
    "stock_out": ["{sku}已经断货三天", "{sku}补货不及时", "货架空了一半"],
    "competitor_entry": ["隔壁出现竞品", "对手铺货很快", "新品牌进店了两个"],
    "complaint": ["店长很不满意", "有顾客投诉{sku}漏液", "上批货有质量问题"],
    "payment": ["上月货款拖欠未付", "回款慢", "老板说资金紧张"],
    "churn_risk": ["老板考虑换品牌", "下月暂停订货", "客户流失严重"],
    "price_cut": ["竞品降价百分之十", "对面在搞买一送一", "促销力度大"],
    "overstock": ["{sku}库存积压", "{sku}卖不动", "有一批临期"],
    "price_objection": ["老板嫌贵", "进货价格太高", "说比竞品贵"],
    "display_loss": ["排面减少了一半", "堆头被撤", "被挪到角落"],
    "contact_change": ["采购换人了", "原店长离职", "来了新店长"],
    "delivery": ["上次发错货", "物流慢了两天", "到货延迟"],
    "materials": ["缺海报", "价签缺失", "物料未到"],
    "new_demand": ["老板说下周要加单", "有新需求要报价", "想引进{sku}"],
    "selling_well": ["{sku}卖得好", "最近动销快", "顾客好评多"],
}


def corpus(notes: int, *, seed: int = 5) -> list[tuple[str, frozenset[str]]]:
    """(note, kinds it holds): plain remarks half the time, then signals, negated signals and look-alikes."""
    rng = random.Random(seed)
    kinds = sorted(SIGNALS)
    generated = []
    for _number in range(notes):
        clauses, expected = [rng.choice(OPENINGS)], set()
        for _clause in range(rng.randint(0, 3)):
            draw = rng.random()
            if draw < 0.5:
                clauses.append(rng.choice(PLAIN))
            elif draw < 0.75:
                kind = rng.choice(kinds)
                clauses.append(rng.choice(SIGNALS[kind]))
                expected.add(kind)
            elif draw < 0.9:
                clauses.append(rng.choice(NEGATED))
            else:
                clauses.append(rng.choice(LOOKALIKES))
        note = "，".join(clauses).format(shop=rng.choice(SHOPS), sku=rng.choice(SKUS)) + "。"
        generated.append((note, frozenset(expected)))
    return generated


def substring_kinds(note: str) -> set[str]:
    """The baseline: a kind is found when any of its words occurs anywhere in the note."""
    return {rule.kind for rule in DEFAULT_RULES if any(word in note for word in rule.words)}


def our_kinds(note: str) -> set[str]:
    return {found.kind for found in extract(note)}


def notes_per_second(find, notes: list[str], repeats: int) -> float:
    """Median throughput of `repeats` timed passes over all notes."""
    rates = []
    for _repeat in range(repeats):
        started = time.perf_counter()
        for note in notes:
            find(note)
        rates.append(len(notes) / (time.perf_counter() - started))
    return statistics.median(rates)


def quality(find, labelled: list[tuple[str, frozenset[str]]]) -> dict:
    """Micro-averaged precision, recall and F1 over (note, kind) pairs."""
    true_positives = false_positives = false_negatives = 0
    for note, expected in labelled:
        found = find(note)
        true_positives += len(found & expected)
        false_positives += len(found - expected)
        false_negatives += len(expected - found)
    precision = true_positives / max(1, true_positives + false_positives)
    recall = true_positives / max(1, true_positives + false_negatives)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run(notes: int = 20_000, repeats: int = 5) -> list[dict]:
    """The benchmark's lines: warm-up seconds, notes per second and F1, each against the substring baseline."""
    labelled = corpus(notes)
    texts = [note for note, _expected in labelled]
    started = time.perf_counter()
    warm_up()
    warm_up_s = time.perf_counter() - started
    extract(texts[0])
    ours, baseline = quality(our_kinds, labelled), quality(substring_kinds, labelled)
    lines = [
        {"bench": BENCH, "metric": "warm_up_s", "value": round(warm_up_s, 2)},
        {"bench": BENCH, "metric": "notes_per_s", "value": round(notes_per_second(extract, texts, repeats)),
         "n": notes, "repeats": repeats, "baseline": BASELINE,
         "baseline_value": round(notes_per_second(substring_kinds, texts, repeats))},
        {"bench": BENCH, "metric": "f1", "value": ours["f1"], "precision": ours["precision"],
         "recall": ours["recall"], "n": notes, "baseline": BASELINE, "baseline_value": baseline["f1"],
         "baseline_precision": baseline["precision"], "baseline_recall": baseline["recall"]},
    ]
    for line in lines:
        emit(**line)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    run(args.notes, args.repeats)


if __name__ == "__main__":
    main()
