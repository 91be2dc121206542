"""Lead-scoring quality on real data (L3): our model against the Odoo-style naive-Bayes scorer, same run, same rows.

Run from the repository root (no Django, no database)::

    .venv/bin/python -m bench.lead_scoring [--every 1]

Data: UCI Bank Marketing, ``bank-additional-full.csv`` (41,188 telemarketing contacts, May 2008 – Nov 2010, rows in
date order; see its SOURCE.txt), read from ``$SHANGJI_DATASETS/bank_marketing/`` (default ``../shared/datasets``
beside the repository). Each row is a lead whose fields are custom fields; ``duration`` is dropped (known only after
the call) and ``pdays=999`` means "never contacted before". Time-ordered split: the first 80 % train, the last 20 %
are scored. JSON lines: ROC AUC, Brier score (lower is better), PR AUC (average precision), lift in the top 10 %, fit
seconds; plus the rejected gradient-boosting candidate's ROC AUC and Brier for the record.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from bench.common import ROOT, emit
from shangji.leads.scoring import FeatureSpace, FieldSpec, NaiveBayesScorer, fit

BENCH = "leads.scoring_quality"
DATASET = "uci-bank-marketing"
BASELINE = "odoo-naive-bayes"
FIELDS = [
    FieldSpec("age", "年龄", "number"),
    FieldSpec("job", "职业"),
    FieldSpec("marital", "婚姻状况"),
    FieldSpec("education", "学历"),
    FieldSpec("default", "有违约记录"),
    FieldSpec("housing", "有房贷"),
    FieldSpec("loan", "有个人贷款"),
    FieldSpec("contact", "联系方式"),
    FieldSpec("month", "联系月份"),
    FieldSpec("day_of_week", "联系星期"),
    FieldSpec("campaign", "本次活动联系次数", "number"),
    FieldSpec("pdays", "距上次联系天数", "number", missing_values=(999,)),
    FieldSpec("previous", "此前联系次数", "number"),
    FieldSpec("poutcome", "上次活动结果"),
    FieldSpec("emp.var.rate", "就业变动率", "number"),
    FieldSpec("cons.price.idx", "消费者物价指数", "number"),
    FieldSpec("cons.conf.idx", "消费者信心指数", "number"),
    FieldSpec("euribor3m", "欧元三个月利率", "number"),
    FieldSpec("nr.employed", "就业人数", "number"),
]


def dataset_path() -> Path:
    root = Path(os.environ.get("SHANGJI_DATASETS", ROOT.parent / "shared" / "datasets"))
    return root / "bank_marketing" / "bank-additional-full.csv"


def load(path: Path, *, every: int = 1) -> tuple[list[dict], list[int]]:
    """Rows (without ``duration``) and labels in file (= time) order; ``every`` > 1 keeps every n-th row."""
    rows, labels = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for index, row in enumerate(csv.DictReader(handle, delimiter=";")):
            if index % every:
                continue
            labels.append(1 if row.pop("y") == "yes" else 0)
            row.pop("duration")
            rows.append(row)
    return rows, labels


def lift_at(labels: np.ndarray, probabilities: np.ndarray, fraction: float = 0.1) -> float:
    """Win rate among the top ``fraction`` of leads by score, divided by the overall win rate."""
    top = max(1, int(round(len(labels) * fraction)))
    order = np.argsort(-probabilities, kind="stable")
    return float(labels[order[:top]].mean() / labels.mean())


def measures(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    return {"roc_auc": float(roc_auc_score(labels, probabilities)),
            "brier": float(brier_score_loss(labels, probabilities)),
            "pr_auc": float(average_precision_score(labels, probabilities)),
            "lift_at_10pct": lift_at(labels, probabilities)}


def evaluate(rows: list[dict], labels: list[int], *, train_fraction: float = 0.8, gbm: bool = False) -> dict:
    """Fit ours and the baseline on the oldest rows, score the newest; figures for both (and the GBM candidate)."""
    split = int(len(rows) * train_fraction)
    train, test = rows[:split], rows[split:]
    y_train, y_test = labels[:split], np.asarray(labels[split:])
    started = time.perf_counter()
    model = fit(train, y_train, fields=FIELDS)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline = NaiveBayesScorer(fields=FIELDS).fit(train, y_train)
    baseline_seconds = time.perf_counter() - started
    result = {"n": len(test), "n_train": split, "model": model.info,
              "ours": measures(y_test, model.predict(test)) | {"fit_seconds": ours_seconds},
              "baseline": measures(y_test, baseline.predict(test)) | {"fit_seconds": baseline_seconds}}
    if gbm:  # the candidate the logistic model was chosen over (predictive.py says why)
        space = FeatureSpace.fit(train, FIELDS)
        trees = HistGradientBoostingClassifier(random_state=0).fit(space.transform(train), y_train)
        result["gbm"] = measures(y_test, trees.predict_proba(space.transform(test))[:, 1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=1, help="keep every n-th row (a quick run)")
    parser.add_argument("--shuffle", type=int, metavar="SEED", help="shuffle before the split (a check without drift)")
    args = parser.parse_args(argv)
    path = dataset_path()
    if not path.exists():
        emit(bench=BENCH, skipped=f"dataset not found: {path}")
        return
    rows, labels = load(path, every=args.every)
    if args.shuffle is not None:
        order = np.random.default_rng(args.shuffle).permutation(len(rows))
        rows, labels = [rows[i] for i in order], [labels[i] for i in order]
    result = evaluate(rows, labels, gbm=True)
    common = {"baseline": BASELINE, "n": result["n"], "dataset": DATASET}
    if args.shuffle is not None:
        common["split"] = f"shuffled (seed {args.shuffle})"
    for metric in ("roc_auc", "brier", "pr_auc", "lift_at_10pct"):
        better = {"better": "lower"} if metric == "brier" else {"better": "higher"}
        emit(bench=BENCH, metric=metric, value=round(result["ours"][metric], 4),
             baseline_value=round(result["baseline"][metric], 4), **common, **better)
    emit(bench=BENCH, metric="fit_seconds", value=round(result["ours"]["fit_seconds"], 2),
         baseline_value=round(result["baseline"]["fit_seconds"], 2), n_train=result["n_train"], **common,
         better="lower", model=result["model"])
    emit(bench=BENCH, metric="candidate", candidate="hist-gradient-boosting", kept=False, n=result["n"],
         dataset=DATASET, roc_auc=round(result["gbm"]["roc_auc"], 4), brier=round(result["gbm"]["brier"], 4))


if __name__ == "__main__":
    main()
