"""A customer merge (C3) takes the duplicate's visits along: timeline, key actions and the manager's rollups follow."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shangji.conftest import make_customer
from shangji.customers.services import customer_merge
from shangji.visits import rollups
from shangji.visits.models import Visit, VisitSignal
from shangji.visits.tests.test_rollups import _rows
from shangji.visits.tests.test_sync_api import _sync, _visit

pytestmark = pytest.mark.django_db


def test_merging_a_customer_moves_its_visits_signals_and_rejudges_the_survivors_key_actions(actors, api):
    survivor = make_customer(actors.rep, name="上海东方轴承有限公司")
    duplicate = make_customer(actors.rep, name="东方轴承（上海）有限公司")
    now = timezone.now()
    _sync(api, actors.rep, _visit(survivor, visited_at=(now - timedelta(days=3)).isoformat()))
    _sync(api, actors.rep, _visit(duplicate, visited_at=(now - timedelta(days=1)).isoformat(),
                                  previous_action_done=True))
    earlier = Visit.objects.get(customer=survivor)
    assert earlier.action_done is None  # no later visit to this customer yet

    merge = customer_merge(survivor=survivor, duplicate=duplicate, actor=actors.team_lead, reason="同一家公司")

    assert set(Visit.objects.values_list("customer_id", flat=True)) == {survivor.pk}
    assert not VisitSignal.objects.filter(customer=duplicate).exists()
    assert len(merge.moved["visits"]) == 1
    earlier.refresh_from_db()
    assert earlier.action_done is True  # the moved later visit confirmed the survivor's commitment
    kept = _rows()
    rollups.rebuild()
    assert _rows() == kept
    client = Client()
    client.force_login(actors.rep)
    page = client.get(f"/customers/{survivor.pk}/")
    assert page.status_code == 200 and page.content.decode().count("已记录") >= 2
