"""`shangji web`: the web server alone (scale out by running several behind a load balancer).

Granian serves the WSGI application: its HTTP handling is compiled (Rust), so on the 2-core benchmark machine a
public intake request cost about a quarter less CPU than under gunicorn's Python HTTP parser and thread pool
(docs/adr/0007-web-server.md). Each worker process runs a single-threaded I/O loop and SHANGJI_WEB_THREADS threads
for the application."""

import os
import sys

from django.core.management.base import BaseCommand

from shangji.env import env_bool, env_int, env_str


class Command(BaseCommand):
    help = "Run the web server (granian + whitenoise)."

    def handle(self, *args, **options):
        command = [
            sys.executable, "-m", "granian", "--interface", "wsgi",
            "--host", env_str("SHANGJI_BIND", "127.0.0.1"),
            "--port", str(env_int("SHANGJI_PORT", 8000, minimum=1, maximum=65535)),
            "--workers", str(env_int("SHANGJI_WEB_WORKERS", 2, minimum=1, maximum=64)),
            "--blocking-threads", str(env_int("SHANGJI_WEB_THREADS", 4, minimum=1, maximum=64)),
            "--runtime-mode", "st", "--runtime-threads", "1", "--http", "1", "--no-ws",
            "--respawn-failed-workers", "--log-level", "warning",
            "--access-log" if env_bool("SHANGJI_ACCESS_LOG", True) else "--no-access-log",
            "shangji.wsgi:application",
        ]
        os.execv(sys.executable, command)
