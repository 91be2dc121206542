"""`shangji worker`: the Huey consumer (background tasks and the periodic scheduler)."""

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from shangji.env import env_int


class Command(BaseCommand):
    help = "Run background workers and the periodic scheduler (Huey)."

    def add_arguments(self, parser):
        parser.add_argument("--no-periodic", action="store_true", help="Workers only; run one scheduler per site.")

    def handle(self, *args, **options):
        from django.db import connections

        lower_priority(env_int("SHANGJI_WORKER_NICE", 10, minimum=0, maximum=19))
        connections.close_all()  # process workers fork: no child may share a connection the parent opened
        # run_huey's --no-periodic stores into `periodic`; pass that destination explicitly.
        call_command("run_huey", periodic=not options["no_periodic"])


def lower_priority(nice: int) -> None:
    """Background work yields the CPU to web requests when both want it: a burst of public submissions is accepted
    at the web processes' full speed and processed right after (ADR 0004, addendum 4). The worker processes inherit
    it. Under Linux's autogroup scheduling niceness only ranks the processes of one session, so a worker that leads
    its own session (a service manager, `setsid`) lowers its session's weight as well."""
    if nice <= 0:
        return
    os.nice(nice)
    autogroup = Path("/proc/self/autogroup")
    if os.getsid(0) == os.getpid() and autogroup.exists():
        try:
            autogroup.write_text(str(nice))
        except OSError:  # not allowed here (some containers): the niceness alone still applies within the session
            pass
