"""The crash drill through real processes: a burst of 1,000 events, the worker killed (SIGKILL) mid-burst and
restarted. Every event is processed and every webhook delivered; a receiver that honours the idempotency key
sees each delivery once. Runs with the queue in SQLite on the SQLite pass and in Redis on the PostgreSQL pass."""

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db
def test_killing_the_worker_mid_burst_loses_nothing_and_delivers_each_key_once(tmp_path):
    env = {**os.environ, "SHANGJI_DATA_DIR": str(tmp_path), "SHANGJI_TESTING": "false", "SHANGJI_WORKERS": "4"}
    env.pop("SHANGJI_DATABASE_URL", None)
    env.pop("SHANGJI_REDIS_URL", None)
    dropped = None
    if connection.vendor == "postgresql":
        if not _redis_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        from bench.common import drop_postgres_database, ensure_postgres_database

        settings = connection.settings_dict
        dropped = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/shangji_crash_drill"
        drop_postgres_database(dropped)
        ensure_postgres_database(dropped)
        env |= {"SHANGJI_DATABASE_URL": dropped, "SHANGJI_REDIS_URL": "redis://127.0.0.1:6379/0",
                "SHANGJI_QUEUE_NAME": f"crash-drill-{uuid.uuid4().hex[:8]}"}
    try:
        subprocess.run([sys.executable, "-m", "shangji.cli", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT,
                       check=True)
        done = subprocess.run([sys.executable, "-m", "bench.automation", "crash", "--events", "1000",
                               "--timeout", "120"], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    finally:
        if dropped:
            drop_postgres_database(dropped)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert 0 < result["killed_after_deliveries"] < 1000, result  # the kill really came mid-burst
    assert result["all_received"] and result["received_unique"] == 1000, result
    assert result["events_undispatched"] == 0, result
    assert result["deliveries"] == 1000 and result["deliveries_not_delivered"] == 0, result
