"""No lost updates under real concurrency (PostgreSQL row locks; SQLite serializes writers anyway)."""

import threading

import pytest
from django.db import connection, connections

from shangji.conftest import make_customer, make_opportunity, satisfy_gates, stage
from shangji.customers.models import Customer
from shangji.pipeline.models import StageChange
from shangji.pipeline.services import StaleVersion, opportunity_move, opportunity_update

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test runs the suite there too)")


def run_together(*jobs):
    """Start every job at the same moment in its own thread and connection; return results/exceptions."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_people_moving_the_same_deal_from_the_same_version_one_wins(actors):
    deal = satisfy_gates(make_opportunity(actors.rep, stage="接触"))  # 接触 → 谈判 skips gated stages
    version = deal.version
    results = run_together(
        lambda: opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("需求确认"), version=version),
        lambda: opportunity_move(opportunity=deal, actor=actors.team_lead, to_stage=stage("谈判"), version=version),
    )
    assert sum(isinstance(r, StaleVersion) for r in results) == 1, results
    deal.refresh_from_db()
    assert deal.version == version + 1
    assert StageChange.objects.filter(opportunity=deal).count() == 2


def test_concurrent_amount_edits_without_versions_are_applied_one_after_the_other(actors):
    deal = make_opportunity(actors.rep, amount="100")
    jobs = [lambda n=n: opportunity_update(opportunity=deal, actor=actors.rep, amount=str(100 + n))
            for n in range(1, 9)]
    results = run_together(*jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    deal.refresh_from_db()
    assert deal.version == 1 + 8  # every edit was serialized by the row lock; none was lost


def test_concurrent_moves_of_different_deals_keep_the_kanban_counters_exact(actors, no_gates):
    from shangji.pipeline.models import Opportunity, PipelineTotal
    from shangji.pipeline.selectors import _aggregate

    deals = [make_opportunity(actors.rep, amount=str(1000 * n), stage="线索", name=f"并发{n}", pipeline="标准流程")
             for n in range(1, 9)]
    run_together(*[lambda d=d: opportunity_move(opportunity=d, actor=actors.rep, to_stage=stage("谈判"))
                   for d in deals])
    counters = {row.stage_id: (row.count, row.amount) for row in PipelineTotal.objects.filter(count__gt=0)}
    live = {stage_id: (row["n"], row["total"]) for stage_id, row in _aggregate(Opportunity.objects.all()).items()}
    assert counters == live == {stage("谈判").pk: (8, 36000)}


def test_two_reps_registering_the_same_credit_code_at_once_create_one_customer(actors):
    from shangji.customers.dedup import make_credit_code, make_organization_code

    code = make_credit_code("91440300" + make_organization_code("MA5FXX12"))
    results = run_together(
        lambda: make_customer(actors.rep, name="深圳甲公司", credit_code=code),
        lambda: make_customer(actors.other_rep, name="深圳乙公司", credit_code=code),
    )
    assert Customer.objects.filter(credit_code=code).count() == 1
    assert sum(isinstance(r, Exception) for r in results) == 1
