"""The worker processes waiting leads in batches: a batch decides exactly as one-by-one processing would (round
robin, load and capacity carried from lead to lead), one bad lead does not hold up the others, and on PostgreSQL
two workers take disjoint batches."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction

from shangji.core.models import Event
from shangji.core.registry import setting
from shangji.core.services import setting_update
from shangji.leads import services
from shangji.leads.choices import LeadStatus, Source
from shangji.leads.models import Lead, LeadAssignment
from shangji.leads.services import LeadInput, campaign_create, lead_capture, leads_process_new
from shangji.notify.models import Notification
from shangji.org.models import SalesProfile, Territory

START = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


def waiting_leads(campaign, count: int, *, prefix: str = "客户") -> list[Lead]:
    return [lead_capture(source=Source.API, campaign=campaign, defer=True,
                         data=LeadInput(name=f"{prefix}{i}", phone=f"13800{i:06d}", city="上海"))[0]
            for i in range(count)]


def outcome() -> dict[str, tuple]:
    return {lead.name: (lead.owner_id, lead.status, lead.assignment_reason)
            for lead in Lead.objects.order_by("pk")}


@pytest.fixture
def campaign(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    SalesProfile.objects.update_or_create(user=actors.rep, defaults={"lead_capacity": 3})
    SalesProfile.objects.update_or_create(user=actors.teammate, defaults={"lead_capacity": 5})
    return campaign_create(actor=actors.marketing, name="直播间")


@pytest.mark.parametrize("chain", ["shift,capacity,skill,distance,load,round_robin", "shift,capacity,round_robin"])
@time_machine.travel(START, tick=True)
def test_a_batch_gives_the_same_owners_as_one_by_one_processing(actors, campaign, chain):
    setting_update(key="leads.assignment_chain", raw_value=chain, actor=None)
    waiting_leads(campaign, 10)
    rollback = transaction.savepoint()
    while leads_process_new(limit=1):
        pass
    one_by_one = outcome()
    transaction.savepoint_rollback(rollback)

    assert len(leads_process_new(limit=50)) == 10
    assert outcome() == one_by_one
    owners = [owner for owner, _status, _reason in one_by_one.values()]
    assert owners.count(actors.rep.pk) == 3 and owners.count(actors.teammate.pk) == 5  # capacity across the batch
    assert owners.count(None) == 2 and "满额" in one_by_one["客户9"][2]  # then the team queue
    assert owners[:4] == [actors.rep.pk, actors.teammate.pk, actors.rep.pk, actors.teammate.pk]  # taking turns


@time_machine.travel(START, tick=True)
def test_a_batch_writes_each_leads_history_in_order(actors, campaign):
    leads = waiting_leads(campaign, 4)
    assert leads_process_new() == [lead.pk for lead in leads]
    names = list(Event.objects.filter(entity="lead").order_by("pk").values_list("name", "entity_id"))
    assert names == [(name, lead.pk) for lead in leads for name in ("lead.created", "lead.assigned")]
    assert LeadAssignment.objects.count() == 4
    assert Notification.objects.filter(entity="lead", recipient__in=[actors.rep, actors.teammate]).count() == 4
    rep = SalesProfile.objects.get(user=actors.rep)
    assert rep.last_lead_at == Lead.objects.filter(owner=actors.rep).order_by("-assigned_at")[0].assigned_at


@time_machine.travel(START, tick=True)
def test_one_wake_up_processes_every_lead_waiting_batch_after_batch(actors, campaign):
    setting_update(key="leads.process_batch", raw_value=2, actor=None)
    waiting_leads(campaign, 5)
    assert services.leads_process_waiting() == 5  # batches of 2, 2 and 1
    assert Lead.objects.filter(status=LeadStatus.NEW).count() == 0
    assert services.leads_process_waiting() == 0


@time_machine.travel(START, tick=True)
def test_a_lead_that_cannot_be_scored_does_not_hold_up_its_batch(actors, campaign, monkeypatch):
    real = services.lead_tags
    monkeypatch.setattr(services, "lead_tags", lambda lead: 1 / 0 if lead.name == "客户1" else real(lead))
    leads = waiting_leads(campaign, 3)
    assert leads_process_new() == [leads[0].pk, leads[2].pk]
    assert Lead.objects.get(pk=leads[1].pk).status == LeadStatus.NEW  # the sweep tries it again


@time_machine.travel(START, tick=True)
def test_a_lead_that_breaks_the_batch_write_leaves_the_others_processed(actors, campaign, monkeypatch):
    real = services._tell_owner

    def tell(lead, owner):
        if lead.name == "客户1":
            raise RuntimeError("robot configuration broken")
        real(lead, owner)

    monkeypatch.setattr(services, "_tell_owner", tell)
    leads = waiting_leads(campaign, 3)
    assert leads_process_new() == [leads[0].pk, leads[2].pk]  # the batch failed; then one by one
    statuses = dict(Lead.objects.values_list("pk", "status"))
    assert statuses == {leads[0].pk: LeadStatus.ASSIGNED, leads[1].pk: LeadStatus.NEW,
                        leads[2].pk: LeadStatus.ASSIGNED}
    assert LeadAssignment.objects.filter(lead=leads[1]).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(START, tick=True)
def test_two_workers_at_once_never_take_one_lead_twice(actors, campaign, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test runs the suite there too)")
    monkeypatch.setattr(services, "_wake_processing", lambda: None)  # the two workers below do it
    from shangji.leads.tests.test_assignment_concurrency import run_together

    SalesProfile.objects.filter(user__in=[actors.rep, actors.teammate]).update(lead_capacity=100)
    leads = waiting_leads(campaign, 40)

    def worker():
        done = []
        while batch := leads_process_new(limit=5):
            done += batch
        return done

    first, second = run_together([worker, worker])
    assert not set(first) & set(second) and sorted(first + second) == [lead.pk for lead in leads]
    assert LeadAssignment.objects.count() == 40 and Event.objects.filter(name="lead.assigned").count() == 40
    per_owner = {owner: Lead.objects.filter(owner=owner).count() for owner in (actors.rep, actors.teammate)}
    assert per_owner == {actors.rep: 20, actors.teammate: 20}
    assert setting("leads.process_batch") == 50


@time_machine.travel(START, tick=True)
def test_captures_arriving_while_a_processing_task_waits_share_it(actors, campaign, monkeypatch):
    from huey.contrib.djhuey import HUEY

    from shangji.leads import tasks

    HUEY.delete(tasks.WAKE_KEY)
    queued = []
    monkeypatch.setattr(tasks, "process_new_leads", lambda: queued.append("task"))
    leads = waiting_leads(campaign, 3)
    for _lead in leads:
        tasks.wake_processing()  # as each capture's commit does
    assert queued == ["task"]  # one task for the three: it has not started yet
    monkeypatch.undo()
    assert tasks.process_new_leads.call_local() == 3  # the task clears the marker, then takes every lead waiting
    assert set(Lead.objects.values_list("status", flat=True)) == {LeadStatus.ASSIGNED}
    monkeypatch.setattr(tasks, "process_new_leads", lambda: queued.append("next"))
    tasks.wake_processing()  # a capture after the task started wakes a task of its own
    assert queued == ["task", "next"]
    HUEY.delete(tasks.WAKE_KEY)


def test_the_sweep_clears_a_wake_marker_whose_task_was_lost(monkeypatch):
    import time

    from huey.contrib.djhuey import HUEY

    from shangji.leads import services as lead_services
    from shangji.leads import tasks

    monkeypatch.setattr(lead_services, "leads_process_stuck", lambda: 0)
    HUEY.put(tasks.WAKE_KEY, time.time() - lead_services.STUCK_AFTER_SECONDS - 1)
    tasks.sweep_new_leads.call_local()
    assert HUEY.get(tasks.WAKE_KEY, peek=True) is None  # the next capture queues a task again
    HUEY.put(tasks.WAKE_KEY, time.time())
    tasks.sweep_new_leads.call_local()
    assert HUEY.get(tasks.WAKE_KEY, peek=True) is not None  # a fresh marker: its task is still coming
    HUEY.delete(tasks.WAKE_KEY)
