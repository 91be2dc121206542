"""L4 under concurrency on PostgreSQL: leads captured at the same moment are spread exactly as round robin says,
and two people assigning one lead at once leave exactly one owner and a consistent history."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections

from shangji.leads.choices import Source
from shangji.leads.models import Lead, LeadAssignment
from shangji.leads.services import LeadInput, campaign_create, lead_assign_to, lead_capture
from shangji.org.models import Territory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
START = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test runs the suite there too)")


def run_together(functions) -> list:
    barrier, results = threading.Barrier(len(functions)), []

    def call(function):
        try:
            barrier.wait()
            results.append(function())
        except Exception as error:  # collected for the assertion
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@time_machine.travel(START, tick=True)
def test_simultaneous_captures_are_shared_out_evenly(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    campaign = campaign_create(actor=actors.marketing, name="直播间")

    def burst(offset: int):
        def run():
            for i in range(5):
                lead_capture(source=Source.API, campaign=campaign,
                             data=LeadInput(name=f"客户{offset}-{i}", phone=f"1380013{offset:02d}{i:02d}", city="上海"))
            return True
        return run

    assert run_together([burst(n) for n in range(4)]) == [True] * 4
    per_owner = {owner: Lead.objects.filter(owner=owner).count() for owner in (actors.rep, actors.teammate)}
    assert per_owner == {actors.rep: 10, actors.teammate: 10}


@time_machine.travel(START, tick=True)
def test_two_managers_assigning_one_lead_at_once_leave_one_owner(actors):
    lead, _ = lead_capture(source=Source.API, data=LeadInput(name="黄先生", phone="13800138000"))
    results = run_together([lambda: lead_assign_to(lead=Lead.objects.get(pk=lead.pk), actor=actors.team_lead,
                                                   owner=actors.rep),
                            lambda: lead_assign_to(lead=Lead.objects.get(pk=lead.pk), actor=actors.director,
                                                   owner=actors.teammate)])
    assert all(isinstance(result, Lead) for result in results)
    lead.refresh_from_db()
    last = LeadAssignment.objects.filter(lead=lead).order_by("-at", "-id").first()
    assert lead.owner in (actors.rep, actors.teammate) and last.to_owner == lead.owner
