"""Lead field values → model features (L3), as plain data that can be stored as JSON.

A lead is a dict of field values (built-in and custom fields alike): str, number, bool, None or a list (multi-choice).
``FeatureSpace.fit`` learns from training rows which categories are common enough to get their own column, and the
mean and spread of each number; ``transform`` then turns any rows into a float matrix. The fitted space is
``to_dict()`` data, so the database can keep it beside the model that was trained on it.

Encodings, one group of columns per field:

* ``category`` / ``boolean``: one-hot. Values seen fewer than ``min_count`` times in training, and values never seen,
  share one "other" column, so a typo or a brand-new option cannot carry a weight learnt from three leads. An empty
  value is a value of its own ("未填"), folded like any other when rare.
* ``number``: standardised (z-score, clipped to ±``CLIP``) plus a missing indicator. ``missing_values`` lists
  sentinels that mean "unknown" (the bank data's ``pdays=999``: never contacted); they count as missing, not as 999.
* ``multi``: one indicator per common value; rare and unknown values are ignored.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

KINDS = ("category", "boolean", "number", "multi")
# How a custom field type (shangji.core.models.CustomFieldType) is encoded; dates are not model inputs.
CUSTOM_FIELD_KINDS = {"text": "category", "choice": "category", "user": "category", "boolean": "boolean",
                      "number": "number", "money": "number", "multi_choice": "multi"}
CLIP = 5.0  # z-scores beyond this are typos (a budget of 10^9) and must not swamp every other field
MISSING = ""  # the category of an empty value
MISSING_TEXT = "未填"


@dataclass(frozen=True)
class FieldSpec:
    """One model input: the lead's dict key, the Chinese label explanations show, and how to encode it."""

    key: str
    label: str
    kind: str = "category"
    missing_values: tuple[float, ...] = ()  # numbers that mean "unknown", e.g. (999,) for "never contacted"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} for {self.key!r}; expected one of {KINDS}")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def category_of(value) -> str:
    """The category a value falls in: stripped text; booleans and numbers by their text; empty → MISSING."""
    if _is_empty(value):
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def number_of(value, missing_values: Sequence[float] = ()) -> float | None:
    """The float a value holds, or None when empty, unparsable, not finite or a "means missing" sentinel."""
    if value is None or isinstance(value, (list, tuple, set, dict)):
        return None
    try:
        number = float(value.replace(",", "") if isinstance(value, str) else value)  # float() ignores spaces
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number in missing_values:
        return None
    return number


def values_of(value) -> list[str]:
    """The distinct non-empty values of a multi-choice field (a single value counts as a list of one)."""
    items = value if isinstance(value, (list, tuple, set)) else [value]
    return sorted({category_of(item) for item in items} - {MISSING})


def display_value(field: dict, value) -> str:
    """How an explanation line shows the lead's value of a field."""
    kind = field["kind"]
    if kind == "number":
        number = number_of(value, field["missing_values"])
        return MISSING_TEXT if number is None else f"{number:g}"
    if kind == "multi":
        return "、".join(values_of(value)) or MISSING_TEXT
    category = category_of(value)
    if kind == "boolean" and category in ("true", "false"):
        return "是" if category == "true" else "否"
    return category or MISSING_TEXT


class FeatureSpace:
    """A fitted encoding: plain data (``to_dict``) plus the ``transform`` that applies it."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.fields: list[dict] = data["fields"]
        self.column_names: list[str] = []
        self.column_fields: list[int] = []  # the field index of each column, to sum contributions per field
        for index, field in enumerate(self.fields):
            names = _column_names(field)
            self.column_names += names
            self.column_fields += [index] * len(names)
        self._category_index = [
            {category: position for position, category in enumerate(field.get("categories", []))}
            for field in self.fields
        ]

    @classmethod
    def fit(cls, rows: Sequence[dict], fields: Sequence[FieldSpec], *, min_count: int = 10) -> FeatureSpace:
        encoded = []
        for spec in fields:
            field = {"key": spec.key, "label": spec.label, "kind": spec.kind,
                     "missing_values": [float(v) for v in spec.missing_values]}
            column = [row.get(spec.key) for row in rows]
            if spec.kind == "number":
                numbers = [n for n in (number_of(v, spec.missing_values) for v in column) if n is not None]
                mean = sum(numbers) / len(numbers) if numbers else 0.0
                spread = math.sqrt(sum((n - mean) ** 2 for n in numbers) / len(numbers)) if numbers else 0.0
                field |= {"mean": mean, "scale": spread or 1.0}
            elif spec.kind == "multi":
                counts = Counter(item for value in column for item in values_of(value))
                field["values"] = sorted(value for value, count in counts.items() if count >= min_count)
            else:
                counts = Counter(category_of(value) for value in column)
                field["categories"] = sorted(value for value, count in counts.items() if count >= min_count)
            encoded.append(field)
        return cls({"version": 1, "min_count": min_count, "fields": encoded})

    def to_dict(self) -> dict:
        return self.data

    @property
    def width(self) -> int:
        return len(self.column_names)

    def transform(self, rows: Sequence[dict]) -> np.ndarray:
        matrix = np.zeros((len(rows), self.width))
        start = 0
        for index, field in enumerate(self.fields):
            width = len(_column_names(field))
            block = matrix[:, start:start + width]
            column = [row.get(field["key"]) for row in rows]
            if field["kind"] == "number":
                for i, value in enumerate(column):
                    number = number_of(value, field["missing_values"])
                    if number is None:
                        block[i, 1] = 1.0
                    else:
                        block[i, 0] = max(-CLIP, min(CLIP, (number - field["mean"]) / field["scale"]))
            elif field["kind"] == "multi":
                positions = {value: position for position, value in enumerate(field["values"])}
                for i, value in enumerate(column):
                    for item in values_of(value):
                        if item in positions:
                            block[i, positions[item]] = 1.0
            else:
                positions = self._category_index[index]
                other = width - 1
                for i, value in enumerate(column):
                    block[i, positions.get(category_of(value), other)] = 1.0
            start += width
        return matrix


def _column_names(field: dict) -> list[str]:
    key = field["key"]
    if field["kind"] == "number":
        return [key, f"{key}:missing"]
    if field["kind"] == "multi":
        return [f"{key}={value}" for value in field["values"]]
    return [f"{key}={category}" for category in field["categories"]] + [f"{key}:other"]
