"""`shangji serve`: web server and worker together — one command for one machine."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from shangji.env import env_int, env_str


class Command(BaseCommand):
    help = "Run the web server (granian) and the worker (Huey consumer) together."

    def add_arguments(self, parser):
        parser.add_argument("--no-worker", action="store_true", help="Only the web server.")

    def handle(self, *args, **options):
        python = sys.executable
        processes = [subprocess.Popen([python, "-m", "shangji.cli", "web"])]
        if not options["no_worker"]:
            processes.append(subprocess.Popen([python, "-m", "shangji.cli", "worker"]))
        bind = f"{env_str('SHANGJI_BIND', '127.0.0.1')}:{env_int('SHANGJI_PORT', 8000, minimum=1, maximum=65535)}"
        self.stdout.write(f"Shangji 已启动：http://{bind}/  （Ctrl+C 停止）")

        def stop(*_):
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                process.wait(timeout=30)
        codes = [process.returncode for process in processes]
        if any(code not in (0, -signal.SIGTERM, None) for code in codes):
            sys.exit(1)
