"""Customer de-duplication match quality: pairwise precision / recall / F1 (C2).

Run from the repository root::

    .venv/bin/python -m bench.match_quality [--companies 2000] [--only generated-zh,chicago,patstat]

Prints JSON lines only, one per measure. Datasets:

* ``generated-zh`` -- ``shangji.customers.dedup.variants``: ~2,000 companies, their
  variants and hard negatives, with the patchy credit code / phone / e-mail a CRM
  really holds; ``generated-zh-names`` is the same records with names only.
* ``chicago`` and ``patstat`` -- real organisation records with true entity ids
  from dedupe-examples (read in place from ``--data-dir``, never copied).

Our matcher: candidate pairs are records sharing a name blocking key, a credit
code, a phone line or an e-mail (what the DB looks up); a pair is predicted a
match when ``score_pair`` >= ``DEFAULT_STRONG_MATCH`` -- one threshold for all
datasets, F1 at the best threshold is reported only as an extra field.
Baselines run on the same records over *all* pairs: ``exact-normalized``
(lower-case, punctuation and whitespace removed, names equal) and
``rapidfuzz-ratio`` (``fuzz.ratio`` of lower-cased names at the threshold that
is best *for the baseline* on that dataset, searched in steps of 1).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from itertools import combinations
from pathlib import Path

from rapidfuzz import fuzz, process

from shangji.customers.dedup import (
    DEFAULT_STRONG_MATCH,
    MatchInput,
    blocking_keys,
    normalize_company_name,
    normalize_email,
    normalize_phone,
    phone_match_key,
    score_pair,
    validate_credit_code,
)
from shangji.customers.dedup.variants import generate_records

BENCH = "customers.match_quality"
DEFAULT_DATA_DIR = Path("/work/shared/datasets/dedupe_orgs")
Record = tuple[str, str, str, str, str]  # entity id, name, credit code, phone, e-mail (raw)


def _or_blank(normalize: Callable[[str], str], raw: str) -> str:
    try:
        return normalize(raw)
    except ValueError:  # malformed contact data is "unknown", as in the import path
        return ""


def _prf(true_positives: int, predicted: int, truth: int) -> dict[str, float]:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / truth if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4)}


class _Groups:
    """Identical items collapsed, keeping how many records of each entity they hold."""

    def __init__(self, items: Iterable[tuple[object, str]]) -> None:
        index: dict[object, int] = {}
        self.items: list[object] = []
        self.entities: list[Counter[str]] = []
        for item, entity in items:
            if item not in index:
                index[item] = len(self.items)
                self.items.append(item)
                self.entities.append(Counter())
            self.entities[index[item]][entity] += 1
        self.sizes = [sum(c.values()) for c in self.entities]

    def pair_counts(self, i: int, j: int) -> tuple[int, int]:
        """(true pairs, all pairs) between the records of groups i and j."""
        a, b = self.entities[i], self.entities[j]
        if len(a) > len(b):
            a, b = b, a
        return sum(n * b.get(e, 0) for e, n in a.items()), self.sizes[i] * self.sizes[j]

    def inner_counts(self, i: int) -> tuple[int, int]:
        n = self.sizes[i]
        return sum(c * (c - 1) // 2 for c in self.entities[i].values()), n * (n - 1) // 2


def _evaluate_ours(records: list[Record], truth: int) -> dict[str, object]:
    inputs = [
        (MatchInput(normalize_company_name(name), _or_blank(validate_credit_code, code),
                    _or_blank(normalize_phone, phone), _or_blank(normalize_email, email)), entity)
        for entity, name, code, phone, email in records
    ]
    groups = _Groups(inputs)
    # Name keys, plus the exact look-ups the DB does on its own indexes.
    buckets: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(groups.items):
        assert isinstance(item, MatchInput)
        keys = blocking_keys(item.name)
        keys |= {f"code:{item.credit_code}"} if item.credit_code else set()
        keys |= {f"phone:{phone_match_key(item.phone)}"} if item.phone else set()
        keys |= {f"email:{item.email}"} if item.email else set()
        for key in keys:
            buckets[key].append(index)
    candidates: set[tuple[int, int]] = set()
    name_candidates: set[tuple[int, int]] = set()
    for key, members in buckets.items():
        candidates.update(combinations(members, 2))
        if key.split(":", 1)[0] in ("n", "b", "w", "ab", "ac", "bc"):
            name_candidates.update(combinations(members, 2))

    scored: list[tuple[float, int, int]] = []  # (score, true pairs, all pairs)
    blocked_true = name_blocked_true = candidate_record_pairs = 0
    for i, item in enumerate(groups.items):
        true_pairs, all_pairs = groups.inner_counts(i)
        if not all_pairs or item == MatchInput():
            continue  # records with nothing to look them up by are never candidates
        blocked_true += true_pairs
        name_blocked_true += true_pairs if item.name else 0
        candidate_record_pairs += all_pairs
        scored.append((score_pair(item, item).score, true_pairs, all_pairs))
    for i, j in candidates:
        true_pairs, all_pairs = groups.pair_counts(i, j)
        blocked_true += true_pairs
        name_blocked_true += true_pairs if (i, j) in name_candidates else 0
        candidate_record_pairs += all_pairs
        scored.append((score_pair(groups.items[i], groups.items[j]).score, true_pairs, all_pairs))

    at_threshold = [(t, a) for s, t, a in scored if s >= DEFAULT_STRONG_MATCH]
    result = _prf(sum(t for t, _ in at_threshold), sum(a for _, a in at_threshold), truth)
    best_f1, best_threshold = _best_threshold(scored, truth)
    return result | {
        "threshold": DEFAULT_STRONG_MATCH,
        "f1_at_best_threshold": best_f1,
        "best_threshold": best_threshold,
        "blocking_recall": round(blocked_true / truth, 4) if truth else 1.0,
        "blocking_recall_name_keys": round(name_blocked_true / truth, 4) if truth else 1.0,
        "candidate_pairs": candidate_record_pairs,
        "max_bucket_records": max((sum(groups.sizes[m] for m in ms) for ms in buckets.values()), default=0),
    }


def _best_threshold(scored: list[tuple[float, int, int]], truth: int) -> tuple[float, float]:
    """Best F1 over thresholds at the observed scores (scores sorted high to low)."""
    best = (0.0, 1.0)
    true_positives = predicted = 0
    ordered = sorted(scored, key=lambda row: -row[0])
    for index, (score, true_pairs, all_pairs) in enumerate(ordered):
        true_positives += true_pairs
        predicted += all_pairs
        if index + 1 < len(ordered) and ordered[index + 1][0] == score:
            continue
        f1 = _prf(true_positives, predicted, truth)["f1"]
        if f1 > best[0]:
            best = (f1, round(score, 4))
    return best


def _trivial(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


def _evaluate_exact(records: list[Record], truth: int) -> dict[str, float]:
    groups = _Groups((_trivial(name), entity) for entity, name, *_ in records)
    true_positives = predicted = 0
    for i, key in enumerate(groups.items):
        if key:
            t, a = groups.inner_counts(i)
            true_positives, predicted = true_positives + t, predicted + a
    return _prf(true_positives, predicted, truth)


# The a-priori threshold for the ratio baseline, the same bar as ours (0.85): neither side tuned on the data.
FIXED_RATIO_THRESHOLD = 85


def _evaluate_ratio(records: list[Record], truth: int) -> dict[str, float]:
    """All pairs of lower-cased names; the threshold that is best for this baseline."""
    groups = _Groups((name.strip().lower(), entity) for entity, name, *_ in records)
    names = [str(item) for item in groups.items]
    cutoff = 80
    while True:
        true_at = [0] * 101
        all_at = [0] * 101
        for i in range(len(names)):
            if not names[i]:
                continue
            t, a = groups.inner_counts(i)
            true_at[100] += t
            all_at[100] += a
            for _, score, j in process.extract(names[i], names[i + 1:], scorer=fuzz.ratio, processor=None,
                                               score_cutoff=cutoff, limit=None):
                if names[i + 1 + j]:
                    t, a = groups.pair_counts(i, i + 1 + j)
                    true_at[int(score)] += t
                    all_at[int(score)] += a
        best = {"f1": -1.0}
        true_positives = predicted = 0
        for threshold in range(100, cutoff - 1, -1):
            true_positives += true_at[threshold]
            predicted += all_at[threshold]
            current = _prf(true_positives, predicted, truth)
            if threshold == FIXED_RATIO_THRESHOLD:
                fixed = current
            if current["f1"] > best["f1"]:
                best = current | {"threshold": threshold}
        if best["threshold"] > cutoff or cutoff <= 0:
            return best | {"f1_at_fixed_threshold": fixed["f1"]}
        cutoff -= 10  # the best threshold sat on the search edge: widen the search


def evaluate(dataset: str, records: list[Record]) -> list[dict[str, object]]:
    """The JSON lines for one dataset."""
    started = time.perf_counter()
    sizes = Counter(entity for entity, *_ in records)
    truth = sum(n * (n - 1) // 2 for n in sizes.values())
    ours = _evaluate_ours(records, truth)
    ours_seconds = time.perf_counter() - started
    exact = _evaluate_exact(records, truth)
    ratio = _evaluate_ratio(records, truth)
    common = {"bench": BENCH, "dataset": dataset, "n_records": len(records), "n_entities": len(sizes),
              "n_pairs": len(records) * (len(records) - 1) // 2, "n_true_pairs": truth,
              # Pairwise scores weigh big entities quadratically; this says how much one entity dominates.
              "largest_entity_share_of_true_pairs": round(max(n * (n - 1) // 2 for n in sizes.values()) / truth, 3)
              if truth else 0.0}
    scores = {k: ours[k] for k in ("precision", "recall", "threshold", "f1_at_best_threshold", "best_threshold")}
    return [
        common | {"metric": "f1", "value": ours["f1"]} | scores
        | {"baseline": "exact-normalized", "baseline_value": exact["f1"],
           "baseline_precision": exact["precision"], "baseline_recall": exact["recall"]},
        common | {"metric": "f1", "value": ours["f1"]} | scores
        | {"baseline": "rapidfuzz-ratio", "baseline_value": ratio["f1"], "baseline_precision": ratio["precision"],
           "baseline_recall": ratio["recall"], "baseline_threshold": ratio["threshold"],
           "baseline_threshold_note": "best F1 for the baseline on this dataset, searched in steps of 1",
           "baseline_value_at_fixed_threshold": ratio["f1_at_fixed_threshold"],
           "baseline_fixed_threshold": FIXED_RATIO_THRESHOLD},
        common | {"metric": "f1_at_best_threshold", "value": ours["f1_at_best_threshold"],
                  "threshold": ours["best_threshold"], "baseline": "rapidfuzz-ratio",
                  "baseline_value": ratio["f1"], "baseline_threshold": ratio["threshold"],
                  "note": "both sides at the threshold that is best for them on this dataset"},
        common | {"metric": "blocking_recall", "value": ours["blocking_recall"],
                  "name_keys_only": ours["blocking_recall_name_keys"], "candidate_pairs": ours["candidate_pairs"],
                  "candidate_share_of_all_pairs": round(ours["candidate_pairs"] / max(common["n_pairs"], 1), 5),
                  "max_bucket_records": ours["max_bucket_records"], "matcher_seconds": round(ours_seconds, 2),
                  "baseline": "all-pairs", "baseline_value": 1.0},
    ]


def generated_records(n_companies: int, *, with_contacts: bool = True) -> list[Record]:
    return [
        (str(r.entity_id), r.name, r.credit_code if with_contacts else "", r.phone if with_contacts else "",
         r.email if with_contacts else "")
        for r in generate_records(n_companies)
    ]


def chicago_records(data_dir: Path) -> list[Record]:
    path = data_dir / "chicago_early_childhood_with_true_ids.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["True Id"], " ".join(row["Site name"].split()), "", row["Phone"], row["Email Address"])
                for row in csv.DictReader(handle)]


def patstat_records(data_dir: Path) -> list[Record]:
    with (data_dir / "patstat_reference.csv").open(encoding="utf-8", newline="") as handle:
        entity_of = {row["person_id"]: row["leuven_id"] for row in csv.DictReader(handle)}
    with (data_dir / "patstat_input.csv").open(encoding="utf-8", newline="") as handle:
        return [(entity_of[row["person_id"]], row["Name"], "", "", "") for row in csv.DictReader(handle)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=2000, help="base companies in the generated set")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="dedupe-examples data (read only)")
    parser.add_argument("--only", default="", help="comma-separated dataset names")
    args = parser.parse_args(argv)
    loaders: dict[str, Callable[[], list[Record]]] = {
        "generated-zh": lambda: generated_records(args.companies),
        "generated-zh-names": lambda: generated_records(args.companies, with_contacts=False),
        "chicago": lambda: chicago_records(args.data_dir),
        "patstat": lambda: patstat_records(args.data_dir),
    }
    wanted = [name for name in args.only.split(",") if name] or list(loaders)
    for dataset in wanted:
        try:
            records = loaders[dataset]()
        except FileNotFoundError as error:
            print(f"{dataset}: skipped, {error}", file=sys.stderr)
            continue
        for line in evaluate(dataset, records):
            print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
