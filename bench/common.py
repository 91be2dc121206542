"""Shared helpers for benchmarks: JSON lines, percentiles, per-size benchmark databases."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("SHANGJI_BENCH_DIR", ROOT / "var" / "bench"))
PG_BASE = os.environ.get("SHANGJI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SHANGJI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(values_ms), 2), "p95_ms": round(percentile(values_ms, 95), 2),
            "max_ms": round(max(values_ms), 2)}


def database_env(db: str, customers: int, opportunities: int) -> dict[str, str]:
    """Environment selecting a benchmark database dedicated to one (db, size) combination."""
    name = f"bench_c{customers}_o{opportunities}"
    data_dir = BENCH_DIR / name
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SHANGJI_DATA_DIR": str(data_dir), "SHANGJI_TESTING": "false"}
    env.pop("SHANGJI_DATABASE_URL", None)
    if db == "postgres":
        env["SHANGJI_DATABASE_URL"] = f"{PG_BASE}/shangji_{name}"
    return env


def ensure_postgres_database(url: str) -> None:
    import psycopg

    base, _, dbname = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{dbname}"')


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_BASE}/postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


def shangji(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shangji.cli", *args], env=env, check=True, cwd=ROOT,
                          capture_output=capture, text=True)


def prepared_database(db: str, customers: int, opportunities: int) -> dict[str, str]:
    """Migrate and seed the benchmark database once; later runs reuse it (marker file)."""
    env = database_env(db, customers, opportunities)
    marker = Path(env["SHANGJI_DATA_DIR"]) / f"seeded-{db}"
    if not marker.exists():
        # Start from an empty database so the size is exactly what the name says.
        if db == "postgres":
            drop_postgres_database(env["SHANGJI_DATABASE_URL"])
        else:
            for suffix in ("", "-wal", "-shm"):
                (Path(env["SHANGJI_DATA_DIR"]) / f"shangji.sqlite3{suffix}").unlink(missing_ok=True)
    if db == "postgres":
        ensure_postgres_database(env["SHANGJI_DATABASE_URL"])
    shangji(env, "migrate", "--noinput", "-v0")  # also brings a kept database up to the current schema
    if not marker.exists():
        shangji(env, "seed", "--customers", str(customers), "--opportunities", str(opportunities), "--quiet")
        marker.write_text("ok")
    return env


def drop_postgres_database(url: str) -> None:
    import psycopg

    base, _, dbname = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def fresh_database(name: str, db: str) -> dict[str, str]:
    """An empty, migrated database (and queue file) for one benchmark run."""
    data_dir = BENCH_DIR / name
    data_dir.mkdir(parents=True, exist_ok=True)
    for path in data_dir.glob("*.sqlite3*"):
        path.unlink()
    env = {**os.environ, "SHANGJI_DATA_DIR": str(data_dir), "SHANGJI_TESTING": "false"}
    env.pop("SHANGJI_DATABASE_URL", None)
    env.pop("SHANGJI_REDIS_URL", None)
    if db == "postgres":
        env["SHANGJI_DATABASE_URL"] = f"{PG_BASE}/shangji_bench_{name.replace('-', '_')}"
        drop_postgres_database(env["SHANGJI_DATABASE_URL"])
        ensure_postgres_database(env["SHANGJI_DATABASE_URL"])
    shangji(env, "migrate", "--noinput", "-v0")
    return env


def redis_available() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
        return True
    except OSError:
        return False
