"""Statements and CPU per lead on the scan-to-rep path, measured in one process (no HTTP, no queue).

  python -m bench.lead_cost --db sqlite --leads 200 [--profile process]

Captures N leads as the public API does (deferred), then runs the worker's processing task once for all of them (as
one wake-up would), then dispatches the events they wrote, then sends the robot deliveries to a loopback receiver.
Each phase prints {"bench": "leads.cost", "phase", "statements_per_lead", "cpu_ms_per_lead", …}. Task enqueueing
is switched off so the figures are the services' own. `run(db)` prepares a fresh database in a subprocess.
--profile PHASE prints that phase's cProfile (cumulative, top 50) to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")


def run(db: str, *, leads: int = 200, profile: str = "") -> None:
    import subprocess

    from bench.leads import ROOT, prepare

    env = prepare(f"bench-lead-cost-{db}", db)
    subprocess.run([sys.executable, "-m", "bench.lead_cost", "--db", db, "--leads", str(leads), "--profile", profile],
                   env=env, check=True, cwd=ROOT)


class StatementCounter:
    """Counts the statements run on the default connection. An execute wrapper, not Django's debug cursor: that one
    formats every statement with its parameters (a bulk insert's arrays included), which costs more CPU than some
    phases themselves and would be counted as theirs. Transaction control (BEGIN, COMMIT) is not counted."""

    def __enter__(self):
        from django.db import connection

        self.statements = 0
        self.wrapper = connection.execute_wrapper(self)
        self.wrapper.__enter__()
        return self

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)


class Measure:
    profile_phase = ""

    def __init__(self, phase: str, db: str, leads: int):
        self.phase, self.db, self.leads = phase, db, leads
        self.profiler = None

    def __enter__(self):
        self.counter = StatementCounter()
        self.counter.__enter__()
        if self.phase == self.profile_phase:
            import cProfile

            self.profiler = cProfile.Profile()
            self.profiler.enable()
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        cpu, wall = time.process_time() - self.cpu, time.perf_counter() - self.wall
        self.counter.__exit__(*exc)
        if self.profiler is not None:
            import pstats

            self.profiler.disable()
            pstats.Stats(self.profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(50)
        if exc[0] is None:
            from bench.common import emit

            emit(bench="leads.cost", phase=self.phase, db=self.db, n=self.leads,
                 statements_per_lead=round(self.counter.statements / self.leads, 2),
                 cpu_ms_per_lead=round(cpu * 1000 / self.leads, 2), wall_ms_per_lead=round(wall * 1000 / self.leads, 2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--profile", default="", help="capture | process | dispatch | deliver")
    args = parser.parse_args(argv)
    Measure.profile_phase = args.profile

    import django

    django.setup()
    from bench.leads import RobotReceiver, set_up
    from shangji.core import events
    from shangji.leads import intake, services
    from shangji.leads.choices import LeadStatus, Source
    from shangji.leads.models import Campaign, Lead
    from shangji.leads.tagging import warm_up
    from shangji.notify import services as notify_services
    from shangji.notify.models import Delivery

    # The queue is not part of the measure: tasks are run by hand below.
    services._wake_processing = lambda: None
    events._wake = lambda: None
    notify_services._enqueue_on_commit = lambda ids, delay=0: None

    receiver = RobotReceiver()
    key = set_up(receiver.url)
    campaign = Campaign.objects.get(intake_key=key)
    warm_up()
    # Warm caches (territories, robots, settings, rules) as a running worker has them.
    services.lead_capture(source=Source.API, campaign=campaign, data=_lead(0), idempotency_key="warm", defer=True)
    services.leads_process_waiting()
    events.dispatch_pending()
    Delivery.objects.all().delete()

    n = args.leads
    with Measure("capture", args.db, n):
        for number in range(1, n + 1):  # as the intake view calls it: outside any transaction
            services.lead_capture(source=Source.API, campaign=intake.campaign_for_key(key), data=_lead(number),
                                  idempotency_key=f"cost-{number}", defer=True)
    with Measure("process", args.db, n):
        services.leads_process_waiting()
    left = Lead.objects.filter(status=LeadStatus.NEW).count()
    with Measure("dispatch", args.db, n):
        while events.dispatch_pending():
            pass
    deliveries = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    with Measure("deliver", args.db, n):
        for pk in deliveries:
            notify_services.delivery_attempt(delivery_id=pk)
    # A low rate: each lead is processed before the next arrives (batches of one).
    from bench.common import emit

    statements, cpu, single = 0, 0.0, max(n // 4, 1)
    for number in range(n + 1, n + 1 + single):
        lead, _created = services.lead_capture(source=Source.API, campaign=campaign, data=_lead(number),
                                               idempotency_key=f"cost-{number}", defer=True)
        with StatementCounter() as counter:
            started = time.process_time()
            services.leads_process_waiting()
            cpu += time.process_time() - started
        statements += counter.statements
    emit(bench="leads.cost", phase="process_one_at_a_time", db=args.db, n=single,
         statements_per_lead=round(statements / single, 2), cpu_ms_per_lead=round(cpu * 1000 / single, 2))
    receiver.close()

    emit(bench="leads.cost", phase="check", db=args.db, left_new=left, deliveries=len(deliveries),
         robot_messages=receiver.messages,
         owners=dict(Lead.objects.exclude(owner=None).values_list("owner__username").annotate(
             n=django.db.models.Count("id")).values_list("owner__username", "n")))


def _lead(number: int):
    from shangji.leads.services import LeadInput

    return LeadInput(name=f"BL{number:07d}X", phone=f"139{number:08d}", city="上海", company="基准科技",
                     need="想了解 MES 系统报价", budget="10-50", consent=True)


if __name__ == "__main__":
    main()
