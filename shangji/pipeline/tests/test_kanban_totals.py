"""The kanban's counters must always equal a live aggregate over what the viewer may see."""

import random

import pytest

from shangji.conftest import make_customer, make_opportunity
from shangji.customers.models import CustomerShare
from shangji.pipeline.models import LostReason, Opportunity, OpportunityShare, Stage
from shangji.pipeline.pipelines import pipeline_stages
from shangji.pipeline.selectors import _aggregate, kanban_columns, opportunity_list
from shangji.pipeline.services import opportunity_move, opportunity_update
from shangji.pipeline.totals import pipeline_totals_rebuild

pytestmark = pytest.mark.django_db
VIEWERS = ["rep", "teammate", "other_rep", "team_lead", "regional_manager", "other_manager", "director",
           "presales", "finance"]


@pytest.fixture(autouse=True)
def _gates_off(no_gates):
    """These tests shuffle deals between stages freely; gates are tested in test_gates*.py."""


def shuffle_the_pipeline(actors, rng: random.Random) -> None:
    owners = [actors.rep, actors.teammate, actors.other_rep]
    customers = [make_customer(owner, name=f"测试客户{n}有限公司",
                               city_id=(actors.shanghai if owner != actors.other_rep else actors.shenzhen).pk)
                 for n, owner in enumerate(owners * 2)]
    CustomerShare.objects.create(customer=customers[2], user=actors.presales)  # other_rep's account
    deals = [make_opportunity(c.owner, c, name=f"商机{n}", amount=str(rng.randint(1, 900) * 1000),
                              stage=rng.choice(["线索", "接触", "谈判"])) for n, c in enumerate(customers * 2)]
    OpportunityShare.objects.create(opportunity=deals[1], user=actors.other_rep)
    reason = LostReason.objects.first()
    for _ in range(40):
        deal = Opportunity.objects.get(pk=rng.choice(deals).pk)
        action = rng.randrange(3)
        if action == 0:  # small deals follow 小额快速: only its stages
            to_stage = rng.choice(pipeline_stages(deal.pipeline))
            opportunity_move(opportunity=deal, actor=actors.director, to_stage=to_stage, lost_reason=reason)
        elif action == 1:
            opportunity_update(opportunity=deal, actor=actors.director, amount=str(rng.randint(0, 500) * 100))
        else:
            opportunity_update(opportunity=deal, actor=actors.director, owner=rng.choice(owners))


def sums(columns):
    return {column.stage.name: (column.count, column.total) for column in columns if column.count}


@pytest.mark.parametrize("seed", [1, 2])
def test_counters_equal_the_live_aggregate_for_every_viewer_and_filter(actors, seed):
    shuffle_the_pipeline(actors, random.Random(seed))
    for name in VIEWERS:
        user = getattr(actors, name)
        visible = opportunity_list(user=user)
        for filters, narrowed in [
            ({}, visible),
            ({"region": actors.east}, visible.filter(region=actors.east)),
            ({"mine": True}, visible.filter(owner=user)),
            ({"owner": actors.rep.pk}, visible.filter(owner=actors.rep)),
        ]:
            live = _aggregate(narrowed)
            expected = {s.name: (live[s.pk]["n"], live[s.pk]["total"]) for s in Stage.objects.all() if s.pk in live}
            assert sums(kanban_columns(user=user, queryset=narrowed, filters=filters)) == expected, (name, filters)


def test_a_rebuild_gives_the_same_counters_as_the_services_kept(actors):
    shuffle_the_pipeline(actors, random.Random(3))
    before = sums(kanban_columns(user=actors.director, queryset=opportunity_list(user=actors.director), filters={}))
    pipeline_totals_rebuild()
    after = sums(kanban_columns(user=actors.director, queryset=opportunity_list(user=actors.director), filters={}))
    assert before == after and before


def test_other_filters_fall_back_to_a_live_aggregate(actors):
    make_opportunity(actors.rep, amount="100", stage="谈判")
    make_opportunity(actors.rep, amount="900", stage="谈判")
    visible = opportunity_list(user=actors.rep)
    columns = kanban_columns(user=actors.rep, queryset=visible.filter(amount__gte=500), filters={"amount_min": 500})
    assert sums(columns) == {"谈判": (1, 900)}
