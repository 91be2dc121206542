"""`shangji web`: the gunicorn web server alone (scale out by running several behind a load balancer)."""

import os
import sys

from django.core.management.base import BaseCommand

from shangji.env import env_int, env_str


class Command(BaseCommand):
    help = "Run the web server (gunicorn + whitenoise)."

    def handle(self, *args, **options):
        bind = f"{env_str('SHANGJI_BIND', '127.0.0.1')}:{env_int('SHANGJI_PORT', 8000, minimum=1, maximum=65535)}"
        workers = env_int("SHANGJI_WEB_WORKERS", 2, minimum=1, maximum=64)
        threads = env_int("SHANGJI_WEB_THREADS", 4, minimum=1, maximum=64)
        os.execv(sys.executable, [
            sys.executable, "-m", "gunicorn", "shangji.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-", "--timeout", "60",
        ])
