"""Lead-scoring core (L3): pure Python over arrays, no Django, no database.

The leads app stores a fitted ``Model`` as ``Model.to_json()``, scores new leads with ``Model.score`` /
``Model.explain``, and falls back to the rule score when ``fit`` raises ``NotEnoughHistory``.
``NaiveBayesScorer`` is the Odoo-style baseline the benchmark compares against.
"""

from shangji.leads.scoring.baseline import NaiveBayesScorer
from shangji.leads.scoring.features import CUSTOM_FIELD_KINDS, FeatureSpace, FieldSpec
from shangji.leads.scoring.predictive import BASE_LABEL, Calibration, Model, NotEnoughHistory, fit

__all__ = [
    "BASE_LABEL",
    "CUSTOM_FIELD_KINDS",
    "Calibration",
    "FeatureSpace",
    "FieldSpec",
    "Model",
    "NaiveBayesScorer",
    "NotEnoughHistory",
    "fit",
]
