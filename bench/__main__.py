"""`make bench [ONLY=name]`: every benchmark, JSON lines on stdout. Not tests.

Sizes and databases come from the environment so a quick run is possible:
  SHANGJI_BENCH_SIZES=100000,1000000   customers (and as many opportunities) per benchmark database
  SHANGJI_BENCH_DBS=sqlite,postgres     databases (postgres only when reachable)
Benchmark databases are seeded once and kept under var/bench/ (and shangji_bench_* on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

from bench import leads as lead_benches
from bench import visit_manager
from bench.common import (
    REDIS_URL,
    ROOT,
    database_env,
    drop_postgres_database,
    emit,
    ensure_postgres_database,
    fresh_database,
    postgres_available,
    prepared_database,
    redis_available,
)


def bench_match_quality() -> None:
    subprocess.run([sys.executable, "-m", "bench.match_quality"], check=True, cwd=ROOT)


def bench_visit_signals() -> None:
    subprocess.run([sys.executable, "-m", "bench.visit_signals"], check=True, cwd=ROOT)


def bench_lead_scoring() -> None:
    """The scoring core on the CSV rows, then the same data as Lead records with custom fields."""
    subprocess.run([sys.executable, "-m", "bench.lead_scoring"], check=True, cwd=ROOT)
    lead_benches.run("scoring", "sqlite")


def bench_seed(sizes: list[int], dbs: list[str]) -> None:
    size = max(sizes)
    for db in dbs:
        env = database_env(db, size, 0)
        env["SHANGJI_DATA_DIR"] += "-seedrun"
        os.makedirs(env["SHANGJI_DATA_DIR"], exist_ok=True)
        if db == "postgres":
            env["SHANGJI_DATABASE_URL"] += "_seedrun"
            drop_postgres_database(env["SHANGJI_DATABASE_URL"])
            ensure_postgres_database(env["SHANGJI_DATABASE_URL"])
        else:
            for suffix in ("", "-wal", "-shm"):
                path = os.path.join(env["SHANGJI_DATA_DIR"], "shangji.sqlite3" + suffix)
                if os.path.exists(path):
                    os.remove(path)
        subprocess.run([sys.executable, "-m", "shangji.cli", "migrate", "--noinput", "-v0"], env=env, check=True,
                       cwd=ROOT)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "shangji.cli", "seed", "--customers", str(size), "--opportunities", "0",
                        "--quiet"], env=env, check=True, cwd=ROOT)
        minutes = (time.perf_counter() - started) / 60
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        emit(bench="customers.seed", db=db, rows=size, metric="minutes", value=round(minutes, 2),
             peak_rss_mb=round(peak_mb, 1))


def bench_latency(sizes: list[int], dbs: list[str]) -> None:
    for db in dbs:
        for size in sizes:
            env = prepared_database(db, size, size)
            subprocess.run([sys.executable, "-m", "bench.api_latency", "--db", db], env=env, check=True, cwd=ROOT)


def bench_automation(dbs: list[str]) -> None:
    """Automation on a fresh database per run: latency and the crash drill go through a real worker process."""
    for db in dbs:
        queues = ["sqlite", "redis"] if redis_available() else ["sqlite"]
        for queue in queues:
            env = fresh_database(f"automation-{db}-{queue}", db)
            if queue == "redis":
                env["SHANGJI_REDIS_URL"] = REDIS_URL
                env["SHANGJI_QUEUE_NAME"] = f"bench-{os.getpid()}"
            for what in ("latency", "crash"):
                subprocess.run([sys.executable, "-m", "bench.automation", what, "--db", db], env=env, check=True,
                               cwd=ROOT)
        env = prepared_database(db, 2000, 2000)  # the rules read real deals of the demo company
        subprocess.run([sys.executable, "-m", "bench.automation", "rules", "--db", db], env=env, check=True, cwd=ROOT)
        env = fresh_database(f"automation-{db}-timers", db)  # only the benchmark's own timers
        subprocess.run([sys.executable, "-m", "bench.automation", "timers", "--db", db], env=env, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="",
                        help="customers.match_quality | leads.scoring_quality | leads.scan_to_rep | "
                             "leads.intake_throughput | visits.signal_extraction | visits.manager_page | "
                             "customers.seed | latency | automation")
    args = parser.parse_args()
    sizes = [int(s) for s in os.environ.get("SHANGJI_BENCH_SIZES", "100000,1000000").split(",")]
    dbs = [d for d in os.environ.get("SHANGJI_BENCH_DBS", "sqlite,postgres").split(",")
           if d != "postgres" or postgres_available()]
    benches = {
        "customers.match_quality": bench_match_quality,
        "leads.scoring_quality": bench_lead_scoring,
        "customers.seed": lambda: bench_seed(sizes, dbs),
        "latency": lambda: bench_latency(sizes, dbs),
        "automation": lambda: bench_automation(dbs),
        "leads.scan_to_rep": lambda: [lead_benches.run("scan_to_rep", db, args=("--rate", rate))
                                      for db in dbs for rate in ("50", "10")],
        "leads.intake_throughput": lambda: lead_benches.run("intake", "postgres") if "postgres" in dbs else None,
        "visits.signal_extraction": bench_visit_signals,
        "visits.manager_page": lambda: [visit_manager.run(db) for db in dbs],
    }
    for name, run in benches.items():
        if not args.only or args.only == name or name.startswith(args.only):
            run()


if __name__ == "__main__":
    main()
