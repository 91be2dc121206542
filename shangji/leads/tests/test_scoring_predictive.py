"""The predictive lead score: learning, explanations that add up, JSON storage, the too-little-history fallback."""

import functools
import json
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shangji.leads.scoring import BASE_LABEL, FieldSpec, Model, NotEnoughHistory, fit
from shangji.leads.scoring.predictive import round_to_total

FIELDS = [
    FieldSpec("industry", "行业"),
    FieldSpec("budget", "预算（万元）", "number", missing_values=(-1,)),
    FieldSpec("tags", "兴趣标签", "multi"),
    FieldSpec("has_company", "有公司名", "boolean"),
    FieldSpec("source", "来源"),
]
INDUSTRIES = ["制造业", "零售", "教育", "医疗"]
EFFECT = {"制造业": 1.2, "零售": -0.6, "教育": 0.0, "医疗": 0.3}


def _history(count: int, seed: int = 7) -> tuple[list[dict], list[int]]:
    """Closed leads whose outcome follows known effects: manufacturing, budget and a company name help."""
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(count):
        row = {"industry": rng.choice(INDUSTRIES), "budget": rng.choice([None, -1, rng.uniform(5, 200)]),
               "tags": rng.sample(["白皮书", "直播", "展会"], rng.randint(0, 2)),
               "has_company": rng.random() < 0.6, "source": rng.choice(["官网", "展会", "转介绍"])}
        budget = row["budget"] if isinstance(row["budget"], float) else 50.0
        logit = -1.5 + EFFECT[row["industry"]] + 0.01 * (budget - 50) + (0.8 if row["has_company"] else -0.4)
        rows.append(row)
        labels.append(1 if rng.random() < 1 / (1 + math.exp(-logit)) else 0)
    return rows, labels


@functools.cache
def _model() -> Model:
    rows, labels = _history(3000)
    return fit(rows, labels, fields=FIELDS)


def test_the_model_learns_which_values_win():
    model = _model()
    manufacturer = {"industry": "制造业", "budget": 150, "has_company": True, "source": "官网"}
    retailer = {"industry": "零售", "budget": 10, "has_company": False, "source": "官网"}
    won, lost = model.predict([manufacturer, retailer])
    assert won > 0.5 > lost
    assert model.info["rows"] == 3000 and model.info["won"] + model.info["lost"] == 3000


def test_the_explanation_names_fields_in_chinese_with_the_leads_value():
    model = _model()
    lines = dict(model.explain({"industry": "制造业", "budget": 150, "has_company": False, "tags": ["直播"]}))
    assert lines["行业: 制造业"] > 0
    assert lines["预算（万元）: 150"] > 0
    assert lines["有公司名: 否"] < 0
    assert next(iter(lines)) == BASE_LABEL


field_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(INDUSTRIES + ["官网", "展会", "", "航天", "-1", "abc"]),
    st.lists(st.sampled_from(["白皮书", "直播", "展会", "新标签"]), max_size=3),
)
rows_strategy = st.fixed_dictionaries({}, optional={field.key: field_values for field in FIELDS})


@settings(max_examples=300, deadline=None)
@given(rows_strategy)
def test_explanation_lines_sum_exactly_to_the_score_for_any_lead(row):
    model = _model()
    lines = model.explain(row)
    score = model.score(row)
    assert 0 <= score <= 100
    assert sum(points for _, points in lines) == score
    assert lines[0][0] == BASE_LABEL
    assert all(isinstance(points, int) for _, points in lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-300, 300), min_size=1, max_size=20), st.integers(-5, 5))
def test_rounding_keeps_the_total_and_moves_each_value_by_less_than_one(values, nudge):
    total = round(sum(values)) + (nudge if abs(nudge) <= len(values) // 2 else 0)
    rounded = round_to_total(values, total)
    assert sum(rounded) == total
    if total == round(sum(values)):
        assert all(abs(r - v) < 1 + 1e-9 for r, v in zip(rounded, values, strict=True))


def test_a_json_round_trip_scores_and_explains_identically():
    model = _model()
    text = model.to_json()
    assert json.loads(text)["kind"] == "logistic"
    again = Model.from_json(text)
    probe, _ = _history(200, seed=99)
    probe += [{}, {"industry": "航天", "budget": "不详", "tags": "直播"}]
    assert np.array_equal(model.predict(probe), again.predict(probe))
    assert [model.explain(row) for row in probe] == [again.explain(row) for row in probe]


def test_an_unknown_model_format_is_refused():
    data = json.loads(_model().to_json()) | {"version": 99}
    with pytest.raises(ValueError, match="unsupported"):
        Model.from_json(json.dumps(data))


def test_too_few_won_leads_raise_not_enough_history_with_the_counts():
    rows, labels = _history(400)
    labels = [0] * 390 + [1] * 10
    with pytest.raises(NotEnoughHistory) as caught:
        fit(rows, labels, fields=FIELDS, min_class_count=20)
    assert (caught.value.won, caught.value.lost, caught.value.needed) == (10, 390, 20)
    assert "历史线索不足" in str(caught.value)


def test_too_few_lost_leads_raise_too_and_the_threshold_is_a_parameter():
    rows, labels = _history(60)
    with pytest.raises(NotEnoughHistory):
        fit(rows, [1] * 55 + [0] * 5, fields=FIELDS, min_class_count=10)
    assert fit(rows, [1, 0] * 30, fields=FIELDS, min_class_count=10, min_count=2).info["rows"] == 60


def test_rows_and_labels_must_pair_up():
    rows, labels = _history(100)
    with pytest.raises(ValueError, match="labels"):
        fit(rows, labels[:-1], fields=FIELDS)


def test_calibration_when_kept_is_increasing_so_explanations_keep_their_sign():
    model = _model()
    assert model.calibration.slope > 0
    assert model.info["calibration"] in ("platt", "none")
