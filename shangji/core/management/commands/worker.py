"""`shangji worker`: the Huey consumer (background tasks and the periodic scheduler)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background workers and the periodic scheduler (Huey)."

    def add_arguments(self, parser):
        parser.add_argument("--no-periodic", action="store_true", help="Workers only; run one scheduler per site.")

    def handle(self, *args, **options):
        from django.db import connections

        connections.close_all()  # process workers fork: no child may share a connection the parent opened
        # run_huey's --no-periodic stores into `periodic`; pass that destination explicitly.
        call_command("run_huey", periodic=not options["no_periodic"])
