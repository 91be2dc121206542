"""Smoke runs of the three leads benchmarks (bench/leads.py), small enough for the suite, so they never rot.

They run the real thing: `shangji web` and `shangji worker` processes, the public intake API and a loopback WeCom
robot; the scoring run loads a slice of the UCI bank data as Lead rows. On PostgreSQL when it is reachable (where
the benchmarks are defined), else on SQLite. The figures are not held to the targets here (a busy test machine says
nothing about them); that every lead is accepted and its robot message arrives, is checked.
"""

from __future__ import annotations

import pytest

from bench import leads
from bench.common import drop_postgres_database, postgres_available
from bench.lead_scoring import dataset_path, evaluate, load

DB = "postgres" if postgres_available() else "sqlite"


@pytest.fixture(autouse=True)
def _once_per_suite_run():
    """The benchmarks make their own databases: run them in the suite's pass on the same kind of database only."""
    from django.db import connection

    if connection.vendor != ("postgresql" if DB == "postgres" else "sqlite"):
        pytest.skip(f"runs in the {DB} pass of the suite")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One migrated database for the module; each test works on a copy of it."""
    root = tmp_path_factory.mktemp("bench")
    template = leads.prepare("bench_smoke_template", DB, data_root=root)
    copies = []

    def copy(name: str) -> dict:
        env = leads.clone(name, DB, template, data_root=root)
        copies.append(env)
        return env

    yield copy
    if DB == "postgres":
        for env in [*copies, template]:
            drop_postgres_database(env["SHANGJI_DATABASE_URL"])


def test_every_lead_posted_to_the_intake_api_reaches_the_rep_s_robot_group_and_both_http_measures_report(migrated):
    lines = leads.run("smoke", DB, env=migrated("bench_smoke_http"),
                      args=("--seconds", "1", "--rate", "50", "--drain", "30", "--drain-burst", "120"), capture=True)
    scan, intake = lines
    assert scan["bench"] == "leads.scan_to_rep" and scan["db"] == DB
    assert scan["expected"] == 50 and scan["accepted"] == 50 and scan["http_errors"] == {}
    assert scan["arrived"] == 50 and scan["n"] == 50 and scan["unmatched_messages"] == 0
    assert 0 < scan["p50_ms"] <= scan["p95_ms"] <= scan["max_ms"] and scan["value"] == scan["p95_ms"]
    assert scan["http_p50_ms"] < scan["p50_ms"]  # the robot message comes after the intake answered
    assert intake["bench"] == "leads.intake_throughput" and intake["metric"] == "accepted_per_s"
    assert intake["http_errors"] == {} and intake["n"] > 0
    assert intake["value"] == pytest.approx(intake["n"] / intake["seconds"], rel=0.1)
    assert 0 < intake["p50_ms"] <= intake["p95_ms"]
    # every accepted lead of the burst reached the robot; the whole path's rate counts the drain after it
    assert intake["drained"] is True and 0 <= intake["waiting_at_end"] <= intake["n"]
    assert intake["processed_per_s"] == pytest.approx(intake["n"] / (intake["seconds"] + intake["drain_s"]), rel=0.1)


def test_scoring_through_lead_records_matches_the_direct_csv_figures_and_beats_the_baseline(migrated):
    path = dataset_path()
    if not path.exists():
        pytest.skip(f"dataset not found: {path}")
    lines = {line["metric"]: line for line in leads.run("scoring", DB, env=migrated("bench_smoke_scoring"),
                                                        args=("--every", "20"), capture=True)}
    assert lines["roc_auc"]["n"] == 412 and lines["roc_auc"]["n_train"] == 1648
    # Custom fields, bulk-loaded Lead rows, scoring_model_train and the stored model lose nothing against the
    # model fitted on the CSV rows directly (the built-in lead fields are constant here and add nothing).
    direct = evaluate(*load(path, every=20))
    assert lines["roc_auc"]["value"] == pytest.approx(direct["ours"]["roc_auc"], abs=0.01)
    assert lines["roc_auc"]["baseline_value"] == pytest.approx(direct["baseline"]["roc_auc"], abs=0.01)
    assert lines["roc_auc"]["value"] > lines["roc_auc"]["baseline_value"]
    assert lines["brier"]["value"] < lines["brier"]["baseline_value"]
