"""A small run of the lead-scoring benchmark on a slice of the real UCI Bank Marketing data."""

import json

import pytest

from bench import lead_scoring


def test_on_a_slice_of_the_real_data_our_model_ranks_leads_at_least_as_well_as_the_odoo_baseline():
    path = lead_scoring.dataset_path()
    if not path.exists():
        pytest.skip(f"dataset not found: {path}")
    rows, labels = lead_scoring.load(path, every=20)  # 2,060 rows spread over the 30 months, in time order
    assert len(rows) == 2060 and "duration" not in rows[0]
    result = lead_scoring.evaluate(rows, labels)
    assert result["n"] == 412
    assert result["ours"]["roc_auc"] >= result["baseline"]["roc_auc"]
    assert 0 < result["ours"]["brier"] < 0.3


def test_without_the_dataset_the_benchmark_says_skipped_and_succeeds(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHANGJI_DATASETS", str(tmp_path))
    lead_scoring.main([])
    line = json.loads(capsys.readouterr().out)
    assert line["bench"] == "leads.scoring_quality" and "skipped" in line


def test_lift_is_the_top_tenth_win_rate_over_the_overall_rate():
    import numpy as np

    labels = np.array([1] * 10 + [0] * 90)
    assert lead_scoring.lift_at(labels, np.linspace(1, 0, 100)) == pytest.approx(10.0)
    assert lead_scoring.lift_at(labels, np.linspace(0, 1, 100)) == pytest.approx(0.0)
