"""The Odoo-style predictive lead scoring baseline: naive Bayes over won/lost frequency tables.

Followed from Odoo's ``crm.lead`` (addons/crm/models/crm_lead.py, "Predictive Lead Scoring"):

* ``_pls_update_frequency_table``: every (field, value) seen on a closed lead gets ``won_count`` and ``lost_count``
  plus 0.1 ("should be +1 but it weights too much on small recordset"): the zero-frequency fix.
* ``_pls_prepare_frequencies``: empty values are not counted; ``tag_ids`` count once per tag.
* ``_pls_get_naive_bayes_probabilities``: per field, P(value|won) = won_count / sum of the field's won counts (same
  for lost); values not in the table are skipped; tag frequencies with won + lost < 50 are ignored; the prior is the
  first stage's counts (every closed lead passes it, so won + 0.1 and lost + 0.1);
  probability = P(won)·Π P(value|won) / (P(won)·Π P(value|won) + P(lost)·Π P(value|lost)), clipped to 0.01–99.99 %.

Where we differ, and why:

* Numbers: Odoo compares ``str(value)``, so every distinct amount is its own value. We cut each number field into
  ``bins`` quantile bins of the training values (deciles by default; ties merge bins) so the baseline is not
  crippled on numeric data. Sentinels that mean "missing" count as empty.
* One frequency table for the whole company: Odoo also keeps one per sales team and falls back to the company-wide
  one; leads here have no team yet.
* ``stage_id`` is left out: every lead being scored sits in the first stage, whose factor is 1 for won and lost.
* Odoo rounds to 0.01 % for display; we keep the unrounded value so ties do not cost the baseline ROC AUC.
* Products are summed as logarithms (same result, no underflow with many fields).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from shangji.leads.scoring.features import MISSING, FieldSpec, category_of, number_of, values_of

SMOOTHING = 0.1  # Odoo's zero-frequency fix
MIN_TAG_COUNT = 50  # Odoo ignores a tag seen on fewer closed leads (won + lost, smoothing included)


class NaiveBayesScorer:
    """Frequency tables learnt from closed leads; ``predict`` gives the probability of winning."""

    def __init__(self, *, fields: Sequence[FieldSpec], bins: int = 10) -> None:
        self.fields = list(fields)
        self.bins = bins
        self.edges: dict[str, list[float]] = {}
        self.tables: dict[str, dict[str, list[float]]] = {}  # field key → value → [won, lost]
        self.prior = (0.0, 0.0)

    def fit(self, rows: Sequence[dict], labels: Sequence[int]) -> NaiveBayesScorer:
        for spec in self.fields:
            if spec.kind == "number":
                numbers = [n for n in (number_of(row.get(spec.key), spec.missing_values) for row in rows)
                           if n is not None]
                quantiles = np.quantile(numbers, np.linspace(0, 1, self.bins + 1)[1:-1]) if numbers else []
                self.edges[spec.key] = sorted(set(float(q) for q in quantiles))
        counts: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [SMOOTHING, SMOOTHING]))
        for row, label in zip(rows, labels, strict=True):
            outcome = 0 if label else 1
            for spec in self.fields:
                for value in self._values(spec, row.get(spec.key)):
                    counts[spec.key][value][outcome] += 1
        for spec in self.fields:
            table = counts.get(spec.key, {})
            if spec.kind == "multi":
                table = {value: pair for value, pair in table.items() if sum(pair) >= MIN_TAG_COUNT}
            self.tables[spec.key] = dict(table)
        won = sum(1 for label in labels if label)
        self.prior = (won + SMOOTHING, len(labels) - won + SMOOTHING)
        return self

    def _values(self, spec: FieldSpec, value) -> list[str]:
        if spec.kind == "multi":
            return values_of(value)
        if spec.kind == "number":
            number = number_of(value, spec.missing_values)
            if number is None:
                return []
            return [f"q{bisect_right(self.edges[spec.key], number)}"]
        category = category_of(value)
        return [] if category == MISSING else [category]

    def predict(self, rows: Sequence[dict]) -> np.ndarray:
        totals = {key: (sum(p[0] for p in table.values()), sum(p[1] for p in table.values()))
                  for key, table in self.tables.items()}
        won_prior, lost_prior = self.prior
        if not won_prior or not lost_prior:
            raise ValueError("the baseline needs both won and lost leads")
        probabilities = np.empty(len(rows))
        for i, row in enumerate(rows):
            log_won = math.log(won_prior / sum(self.prior))
            log_lost = math.log(lost_prior / sum(self.prior))
            for spec in self.fields:
                table, (won_total, lost_total) = self.tables[spec.key], totals[spec.key]
                for value in self._values(spec, row.get(spec.key)):
                    if value in table:
                        log_won += math.log(table[value][0] / won_total)
                        log_lost += math.log(table[value][1] / lost_total)
            probability = 1.0 / (1.0 + math.exp(min(700.0, log_lost - log_won)))
            probabilities[i] = min(max(probability, 0.0001), 0.9999)
        return probabilities
