"""The predictive part of the lead score (L3): a model trained on the company's own closed leads.

``fit(rows, labels, fields=...)`` takes closed leads **in time order** (oldest first) with 1 = won, 0 = lost, and
returns a ``Model``: L2-regularised logistic regression over a ``FeatureSpace``, with an optional Platt calibration
map. Everything is plain numbers, so ``Model.to_json()`` can live in the database (no pickle) and
``Model.from_json()`` scores exactly as the model that was trained.

Choices, measured on the UCI Bank Marketing data (``python -m bench.lead_scoring``; first 80 % train, last 20 % test):

* Logistic regression, not gradient-boosted trees: trees cannot extrapolate, and leads drift (the bank's test months
  have a success rate of 31 % against 6 % in training); HistGradientBoosting scored ROC AUC 0.60 against 0.75 on
  the test months, and 0.60 against 0.70 on the validation tail that would have chosen between them. Without
  drift (rows shuffled) trees do a little better (0.79 against 0.78), not enough to give up exact explanations and
  a model that is a few hundred numbers.
  A linear model also explains itself exactly: each field adds ``coefficient × value`` to the log-odds.
* No ``class_weight="balanced"``: it inflates every probability, which then needs a calibration that drift breaks;
  plain L2 logistic regression is fitted to the log loss and is calibrated on its own training distribution.
* The regularisation strength C is picked on a validation tail (the most recent ``validation_fraction`` of the
  rows, fitted on the older rows), then the model is refitted on all rows.
* Platt calibration (``sigmoid(slope·z + offset)``) is fitted on the tail's out-of-time logits and kept only when a
  time-respecting check agrees: fitted on the first half of the tail, it must lower the log loss of the second
  half. On drifting data the tail's calibration does not carry over, and the check rejects it.

``explain`` splits the 0–100 score into a base line (the score of a lead at the training average) plus one line per
field; the field lines share the score's difference from the base in proportion to the field's log-odds
contribution, and integer rounding is distributed so the lines always sum exactly to the score.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shangji.leads.scoring.features import FeatureSpace, FieldSpec, display_value

C_CANDIDATES = (0.1, 0.3, 1.0)
BASE_LABEL = "基础分"
FORMAT_VERSION = 1


class NotEnoughHistory(Exception):  # noqa: N818 -- a condition callers branch on (use the rule score), not a bug
    """Too few won or lost leads to learn from: the caller falls back to the rule score."""

    def __init__(self, *, won: int, lost: int, needed: int) -> None:
        self.won, self.lost, self.needed = won, lost, needed
        super().__init__(f"历史线索不足：赢单 {won} 条、输单 {lost} 条，各需至少 {needed} 条才能训练预测模型。")


@dataclass(frozen=True)
class Calibration:
    """``probability = sigmoid(slope · logit + offset)``; slope 1, offset 0 is no calibration."""

    slope: float = 1.0
    offset: float = 0.0

    def apply(self, logits: np.ndarray) -> np.ndarray:
        return _sigmoid(self.slope * logits + self.offset)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -700.0, 700.0)))


class Model:
    """A fitted lead-scoring model: probabilities, 0–100 scores and their explanation."""

    def __init__(self, *, features: FeatureSpace, intercept: float, coefficients: Sequence[float],
                 column_means: Sequence[float], calibration: Calibration, info: dict) -> None:
        self.features = features
        self.intercept = float(intercept)
        self.coefficients = np.asarray(coefficients, dtype=float)
        self.column_means = np.asarray(column_means, dtype=float)
        self.calibration = calibration
        self.info = info  # rows, won, lost, C, validation figures: shown on the settings page, not used to score
        self.reference_logit = self.intercept + float(self.coefficients @ self.column_means)

    def logits(self, rows: Sequence[dict]) -> np.ndarray:
        return self.intercept + self.features.transform(rows) @ self.coefficients

    def predict(self, rows: Sequence[dict]) -> np.ndarray:
        """Probability of winning for each row."""
        return self.calibration.apply(self.logits(rows))

    def score(self, row: dict) -> int:
        """The 0–100 score: the probability in percent, rounded."""
        return _percent(float(self.predict([row])[0]))

    def explain(self, row: dict) -> list[tuple[str, int]]:
        """``[(label, points), …]``: the base line first, then fields by weight; the points sum to ``score(row)``."""
        matrix = self.features.transform([row])
        logits = self.intercept + matrix @ self.coefficients  # the same arithmetic as predict(), so the same score
        probability = float(self.calibration.apply(logits)[0])
        per_field = np.zeros(len(self.features.fields))
        np.add.at(per_field, self.features.column_fields, self.coefficients * (matrix[0] - self.column_means))
        base = 100.0 * float(self.calibration.apply(np.array([self.reference_logit]))[0])
        delta = float(logits[0]) - self.reference_logit
        # The secant slope of the calibrated curve turns log-odds into points: bounded, and one sign for all fields.
        slope = (100.0 * probability - base) / delta if abs(delta) > 1e-12 else 0.0
        rounded = round_to_total([base, *(per_field * slope)], _percent(probability))
        lines = [(BASE_LABEL, rounded[0])]
        for field, value in sorted(zip(self.features.fields, rounded[1:], strict=True), key=lambda p: -abs(p[1])):
            if value:
                lines.append((f"{field['label']}: {display_value(field, row.get(field['key']))}", value))
        return lines

    def to_json(self) -> str:
        return json.dumps({
            "version": FORMAT_VERSION,
            "kind": "logistic",
            "features": self.features.to_dict(),
            "intercept": self.intercept,
            "coefficients": self.coefficients.tolist(),
            "column_means": self.column_means.tolist(),
            "calibration": {"slope": self.calibration.slope, "offset": self.calibration.offset},
            "info": self.info,
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION or data.get("kind") != "logistic":
            raise ValueError(f"unsupported lead-scoring model format {data.get('kind')!r} v{data.get('version')!r}")
        return cls(features=FeatureSpace(data["features"]), intercept=data["intercept"],
                   coefficients=data["coefficients"], column_means=data["column_means"],
                   calibration=Calibration(**data["calibration"]), info=data["info"])


def _percent(probability: float) -> int:
    return min(100, max(0, math.floor(100.0 * probability + 0.5)))


def round_to_total(values: Sequence[float], total: int) -> list[int]:
    """Integers close to ``values`` that sum to ``total`` (largest remainder: floors, then +1 for the largest
    fractions; a negative remainder takes 1 back from the smallest fractions)."""
    floors = [math.floor(v) for v in values]
    remainder = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    if remainder < 0:
        order.reverse()
    for i in order[:abs(remainder)]:
        floors[i] += 1 if remainder > 0 else -1
    for _ in range(abs(remainder) - len(order)):  # only with a total far from the values; never in explain()
        floors[0] += 1 if remainder > 0 else -1
    return floors


# scikit-learn (and SciPy under it) is imported only to fit: scoring needs numpy alone, so web processes, which
# score but never train, start faster and smaller without it.


def _logistic(matrix: np.ndarray, labels: np.ndarray, c: float):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        # lbfgs may stop a hair short of its tolerance on one-hot data; the fit is still the one we measured
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(C=c, max_iter=1000).fit(matrix, labels)


def _platt(logits: np.ndarray, labels: np.ndarray) -> Calibration | None:
    if len(set(labels.tolist())) < 2:
        return None
    fitted = _logistic(logits.reshape(-1, 1), labels, 1e6)
    slope = float(fitted.coef_[0, 0])
    return Calibration(slope, float(fitted.intercept_[0])) if slope > 0 else None  # a decreasing map explains nothing


def _loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import log_loss

    return float(log_loss(labels, np.clip(probabilities, 1e-6, 1 - 1e-6), labels=[0, 1]))


def fit(rows: Sequence[dict], labels: Sequence[int], *, fields: Sequence[FieldSpec], min_class_count: int = 30,
        min_count: int = 10, validation_fraction: float = 0.2,
        c_candidates: Sequence[float] = C_CANDIDATES) -> Model:
    """Train on closed leads in time order (oldest first); raise ``NotEnoughHistory`` below ``min_class_count``
    won or lost leads. ``fields`` are ``FieldSpec``s or objects with the same attributes."""
    y = np.asarray([1 if label else 0 for label in labels])
    if len(y) != len(rows):
        raise ValueError(f"{len(rows)} rows but {len(y)} labels")
    won = int(y.sum())
    if won < min_class_count or len(y) - won < min_class_count:
        raise NotEnoughHistory(won=won, lost=len(y) - won, needed=min_class_count)
    features = FeatureSpace.fit(rows, fields, min_count=min_count)
    matrix = features.transform(rows)
    split = int(len(y) * (1 - validation_fraction))
    head, tail = slice(0, split), slice(split, None)
    best_c, best_loss, tail_logits = c_candidates[0], math.inf, None
    if len(set(y[head].tolist())) == 2 and len(set(y[tail].tolist())) == 2:
        for c in c_candidates:
            logits = _logistic(matrix[head], y[head], c).decision_function(matrix[tail])
            loss = _loss(y[tail], _sigmoid(logits))
            if loss < best_loss:
                best_c, best_loss, tail_logits = c, loss, logits
    calibration, info = Calibration(), {"rows": len(y), "won": won, "lost": len(y) - won, "C": best_c}
    if tail_logits is not None:
        info["validation_log_loss"] = round(best_loss, 5)
        half = len(tail_logits) // 2
        first, second = tail_logits[:half], tail_logits[half:]
        trial = _platt(first, y[tail][:half])
        if trial and _loss(y[tail][half:], trial.apply(second)) < _loss(y[tail][half:], _sigmoid(second)):
            calibration = _platt(tail_logits, y[tail]) or Calibration()
    info["calibration"] = "platt" if calibration != Calibration() else "none"
    final = _logistic(matrix, y, best_c)
    return Model(features=features, intercept=float(final.intercept_[0]), coefficients=final.coef_[0],
                 column_means=matrix.mean(axis=0), calibration=calibration, info=info)
