"""Lead field values → model features: categories, numbers, multi-choice lists, and the stored form."""

import json

import numpy as np
import pytest

from shangji.leads.scoring.features import CLIP, FeatureSpace, FieldSpec, display_value

INDUSTRY = FieldSpec("industry", "行业")
BUDGET = FieldSpec("budget", "预算（万元）", "number", missing_values=(999,))
TAGS = FieldSpec("tags", "兴趣标签", "multi")
HAS_COMPANY = FieldSpec("has_company", "有公司名", "boolean")


def _column(space: FeatureSpace, rows: list[dict], name: str) -> list[float]:
    return space.transform(rows)[:, space.column_names.index(name)].tolist()


def _rows(**counts_by_value) -> list[dict]:
    return [{"industry": value} for value, count in counts_by_value.items() for _ in range(count)]


def test_common_categories_get_a_column_and_rare_ones_fold_into_other():
    space = FeatureSpace.fit(_rows(制造业=12, 零售=10, 矿业=3), [INDUSTRY], min_count=10)
    assert space.column_names == ["industry=制造业", "industry=零售", "industry:other"]
    matrix = space.transform([{"industry": "制造业"}, {"industry": "矿业"}, {"industry": " 零售 "}])
    assert matrix.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]


def test_a_value_never_seen_in_training_lands_in_other():
    space = FeatureSpace.fit(_rows(制造业=12), [INDUSTRY], min_count=10)
    assert _column(space, [{"industry": "航天"}, {"industry": 42}, {}], "industry:other") == [1, 1, 1]


def test_empty_values_are_one_category_of_their_own_when_common():
    rows = _rows(制造业=12) + [{"industry": None}] * 6 + [{"industry": "  "}] * 6
    space = FeatureSpace.fit(rows, [INDUSTRY], min_count=10)
    assert "industry=" in space.column_names
    assert _column(space, [{"industry": ""}, {}, {"industry": "制造业"}], "industry=") == [1, 1, 0]


def test_numbers_are_standardised_and_a_sentinel_counts_as_missing():
    rows = [{"budget": value} for value in (10, 20, 30, 999, None, "40")]
    space = FeatureSpace.fit(rows, [BUDGET])
    budget = space.fields[0]
    assert budget["mean"] == pytest.approx(25.0)  # 999 and None do not pull the mean
    matrix = space.transform([{"budget": 25}, {"budget": 999}, {"budget": "不详"}, {"budget": "1,025"}])
    assert matrix[:, 0].tolist() == pytest.approx([0.0, 0.0, 0.0, min(CLIP, 1000 / budget["scale"])])
    assert matrix[:, 1].tolist() == [0, 1, 1, 0]


def test_a_typo_sized_number_is_clipped():
    space = FeatureSpace.fit([{"budget": v} for v in (10, 20, 30)], [BUDGET])
    assert _column(space, [{"budget": 10**12}, {"budget": -(10**12)}], "budget") == [CLIP, -CLIP]


def test_multi_choice_values_get_one_indicator_each_and_rare_values_are_ignored():
    rows = [{"tags": ["白皮书", "直播"]}] * 10 + [{"tags": ["白皮书"]}] * 5 + [{"tags": ["展会"]}]
    space = FeatureSpace.fit(rows, [TAGS], min_count=10)
    assert space.column_names == ["tags=白皮书", "tags=直播"]
    matrix = space.transform([{"tags": ["直播", "展会"]}, {"tags": "白皮书"}, {"tags": []}, {"tags": None}])
    assert matrix.tolist() == [[0, 1], [1, 0], [0, 0], [0, 0]]


def test_booleans_are_categories_shown_as_yes_or_no():
    rows = [{"has_company": True}] * 10 + [{"has_company": False}] * 10
    space = FeatureSpace.fit(rows, [HAS_COMPANY], min_count=10)
    assert space.column_names == ["has_company=false", "has_company=true", "has_company:other"]
    assert display_value(space.fields[0], True) == "是"
    assert display_value(space.fields[0], None) == "未填"


def test_the_fitted_space_is_plain_json_and_transforms_the_same_after_a_round_trip():
    rows = _rows(制造业=12, 零售=10) + [{"budget": 50, "tags": ["直播"] * 1}] * 10
    fields = [INDUSTRY, BUDGET, TAGS, HAS_COMPANY]
    space = FeatureSpace.fit(rows, fields, min_count=10)
    again = FeatureSpace(json.loads(json.dumps(space.to_dict())))
    probe = [{"industry": "零售", "budget": 80, "tags": ["直播"], "has_company": True}, {}]
    assert np.array_equal(space.transform(probe), again.transform(probe))
    assert [field["label"] for field in again.fields] == ["行业", "预算（万元）", "兴趣标签", "有公司名"]


def test_an_unknown_field_kind_is_refused():
    with pytest.raises(ValueError, match="unknown field kind"):
        FieldSpec("x", "X", "date")
