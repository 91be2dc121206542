"""Leads-engine benchmarks (issue 4), against real `shangji web` (Granian) and `shangji worker` processes.

  python -m bench.leads scan_to_rep --db sqlite    POST /api/leads/intake/ at 50 leads/s for 60 s; submit → the WeCom
                                                   robot message naming the lead arrives at a loopback receiver
  python -m bench.leads intake --db postgres       accepted leads/s with N clients posting flat out for 30 s
                                                   (4 web workers, the worker running)
  python -m bench.leads scoring                    scoring quality through Lead rows: the UCI bank data loaded as leads
                                                   with custom fields, trained by scoring_model_train, the newest 20 %
                                                   scored by the stored model, against the Odoo-style baseline

Each subcommand runs in the database its environment selects (SHANGJI_DATA_DIR, SHANGJI_DATABASE_URL) and prints
JSON lines {"bench", "metric", "value", "n", "db", …}. `run(what, db, …)` prepares a fresh migrated database and runs
a subcommand in a subprocess; `python -m bench` calls it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")
ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("SHANGJI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SHANGJI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NAME_PATTERN = re.compile(r"BL(\d{7})X")  # lead names are BL<number>X: unique, and easy to find in a message
TEAM_SIZE = 5
WORKER_PROCESSES = 4

# ---------------------------------------------------------------------------------------------------------
# Databases


def prepare(name: str, db: str, *, data_root: Path | None = None) -> dict[str, str]:
    """An empty, migrated database for one run: var/bench/<name> (SQLite + queue file) or PostgreSQL sj_<name>."""
    root = data_root or Path(os.environ.get("SHANGJI_BENCH_DIR", ROOT / "var" / "bench"))
    data_dir = root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    for path in data_dir.glob("*.sqlite3*"):
        path.unlink()
    env = {**os.environ, "SHANGJI_DATA_DIR": str(data_dir), "SHANGJI_TESTING": "false"}
    for key in ("SHANGJI_DATABASE_URL", "SHANGJI_REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    if db == "postgres":
        env["SHANGJI_DATABASE_URL"] = f"{PG_BASE}/sj_{name.replace('-', '_')}"
        from bench.common import drop_postgres_database, ensure_postgres_database, redis_available

        if redis_available():  # the larger-site setup: the queue (and cache) on Redis, a queue of its own per run
            env["SHANGJI_REDIS_URL"] = REDIS_URL
            env["SHANGJI_QUEUE_NAME"] = f"bench-{name}-{os.getpid()}-{int(time.time())}"

        drop_postgres_database(env["SHANGJI_DATABASE_URL"])
        ensure_postgres_database(env["SHANGJI_DATABASE_URL"])
    subprocess.run([sys.executable, "-m", "shangji.cli", "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    return env


def clone(name: str, db: str, source: dict[str, str], *, data_root: Path | None = None) -> dict[str, str]:
    """A copy of the migrated database `source` selects (quicker than migrating again; used by the smoke test)."""
    import shutil

    root = data_root or Path(os.environ.get("SHANGJI_BENCH_DIR", ROOT / "var" / "bench"))
    data_dir = root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    for path in data_dir.glob("*.sqlite3*"):
        path.unlink()
    env = {**source, "SHANGJI_DATA_DIR": str(data_dir)}
    if db == "postgres":
        import psycopg

        from bench.common import drop_postgres_database

        env["SHANGJI_DATABASE_URL"] = f"{PG_BASE}/sj_{name.replace('-', '_')}"
        env["SHANGJI_QUEUE_NAME"] = f"bench-{name}-{os.getpid()}-{int(time.time())}"
        drop_postgres_database(env["SHANGJI_DATABASE_URL"])
        template = source["SHANGJI_DATABASE_URL"].rpartition("/")[2]
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{env["SHANGJI_DATABASE_URL"].rpartition("/")[2]}" '
                               f'TEMPLATE "{template}"')
    else:
        for path in Path(source["SHANGJI_DATA_DIR"]).glob("shangji.sqlite3*"):
            shutil.copyfile(path, data_dir / path.name)
    return env


def run(what: str, db: str, *, env: dict[str, str] | None = None, args: tuple[str, ...] = (),
        capture: bool = False) -> list[dict]:
    """Run one subcommand in a subprocess (a fresh database unless `env` is given); its JSON lines."""
    env = env or prepare(f"bench-leads-{what.replace('_', '-')}-{db}", db)
    done = subprocess.run([sys.executable, "-m", "bench.leads", what, "--db", db, *args], env=env, check=True, cwd=ROOT,
                          stdout=subprocess.PIPE if capture else None, text=True)
    return [json.loads(line) for line in (done.stdout or "").splitlines() if line.startswith("{")]


def emit(**fields) -> dict:
    print(json.dumps(fields, ensure_ascii=False), flush=True)
    return fields


# ---------------------------------------------------------------------------------------------------------
# The org, the robot, the campaign


class RobotReceiver:
    """A loopback WeCom robot: answers {"errcode": 0}, records when each lead's message first arrived."""

    def __init__(self):
        self.arrived: dict[int, float] = {}
        self.messages = 0
        self.unmatched = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                numbers = {int(n) for n in NAME_PATTERN.findall(body.decode("utf-8", "replace"))}
                with receiver.lock:
                    receiver.messages += 1
                    receiver.unmatched += not numbers
                    for number in numbers:
                        receiver.arrived.setdefault(number, now)
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=bench"

    def count(self) -> int:
        with self.lock:
            return len(self.arrived)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def set_up(robot_url: str, *, campaign_limit: int = 1_000_000, ip_limit: int = 100_000) -> str:
    """Settings, a team of reps on duty around the clock, its territory, a WeCom robot and a campaign; the key."""
    from django.db import transaction

    from shangji.core.services import setting_update
    from shangji.leads.models import Campaign
    from shangji.leads.services import campaign_create
    from shangji.notify.models import RobotChannel
    from shangji.notify.services import robot_channel_create
    from shangji.org.choices import Role, UnitKind
    from shangji.org.models import Territory
    from shangji.org.services import org_unit_create, user_create

    with transaction.atomic():
        campaign = Campaign.objects.filter(name="基准扫码活动").first()
        if campaign is not None:  # a database set up by an earlier run: point its robot at this run's receiver
            RobotChannel.objects.filter(name="上海一组群").update(webhook_url=robot_url)
            return campaign.intake_key
        for key, value in (("leads.work_days", "1234567"), ("leads.work_start", "00:00"), ("leads.work_end", "23:59"),
                           ("leads.default_capacity", 10000),  # 3,000 leads over 5 reps: capacity must not queue
                           ("leads.intake_ip_per_minute", ip_limit),  # every client posts from 127.0.0.1
                           ("leads.intake_campaign_per_minute", campaign_limit)):
            setting_update(key=key, raw_value=value, actor=None)
        company = org_unit_create(name="基准公司", kind=UnitKind.COMPANY, parent=None)
        region = org_unit_create(name="华东大区", kind=UnitKind.REGION, parent=company)
        city = org_unit_create(name="上海", kind=UnitKind.CITY, parent=region)
        team = org_unit_create(name="上海一组", kind=UnitKind.TEAM, parent=city)
        admin = user_create(username="bench_admin", password=None, name="管理员", role=Role.ADMIN, org_unit=company)
        user_create(username="bench_ops", password=None, name="运营", role=Role.SALES_OPS, org_unit=company)
        user_create(username="bench_lead", password=None, name="组长", role=Role.MANAGER, org_unit=team)
        for number in range(1, TEAM_SIZE + 1):
            user_create(username=f"bench_rep_{number}", password=None, name=f"销售{number}", role=Role.REP,
                        org_unit=team, phone=f"1380000000{number}")
        Territory.objects.create(name="上海", city=city, team=team)
        robot_channel_create(actor=admin, name="上海一组群", kind="wecom", webhook_url=robot_url, org_unit=company)
        campaign = campaign_create(actor=admin, name="基准扫码活动", description="基准测试")
    return campaign.intake_key


def lead_body(number: int) -> bytes:
    return json.dumps({"name": f"BL{number:07d}X", "phone": f"139{number:08d}", "city": "上海", "company": "基准科技",
                       "need": "想了解 MES 系统报价", "budget": "10-50", "consent": True},
                      ensure_ascii=False).encode()


class Client:
    """One keep-alive HTTP/1.1 connection per thread to the web server, spoken over a plain socket: the load
    generator shares the machine's two cores with the system it measures, and http.client's parsing cost it about
    as much CPU per request as PostgreSQL spent on the lead."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.local = threading.local()

    def post(self, number: int, idempotency_key: str | None = None) -> int:
        """The answer's status (0 when the connection failed twice)."""
        body = lead_body(number)
        request = (f"POST /api/leads/intake/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nX-Campaign-Key: {self.key}\r\n"
                   f"Idempotency-Key: {idempotency_key or f'bench-{number}'}\r\n\r\n").encode() + body
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile: reconnect once
            connection = getattr(self.local, "connection", None)
            try:
                if connection is None:
                    connection = self.local.connection = socket.create_connection(("127.0.0.1", self.port), 120)
                connection.sendall(request)
                status, keep = _read_response(connection)
                if not keep:
                    connection.close()
                    self.local.connection = None
                return status
            except OSError:
                if connection is not None:
                    connection.close()
                self.local.connection = None
                if attempt == 2:
                    return 0
        return 0


def _read_response(connection: socket.socket) -> tuple[int, bool]:
    """(status, keep-alive) of one HTTP/1.1 response (Content-Length or chunked), its body read and dropped."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    length = int(headers.get("content-length", 0))
    while not rest.endswith(b"0\r\n\r\n") if chunked else len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        rest += chunk
    return int(lines[0].split()[1]), headers.get("connection", "").lower() != "close"


# ---------------------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(*args: str, **env_overrides: str) -> subprocess.Popen:
    """`shangji <args>`; its output goes to $SHANGJI_BENCH_LOGS/<command>.log when that is set (for diagnosis)."""
    env = {**os.environ, **env_overrides}
    logs = os.environ.get("SHANGJI_BENCH_LOGS")
    output = open(Path(logs) / f"{args[0]}.log", "ab") if logs else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen([sys.executable, "-m", "shangji.cli", *args], cwd=ROOT, env=env, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if logs:
            output.close()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def web_is_up(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # a worker's first answer is slow
        connection.request("GET", "/login/")
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        return False


class Stack:
    """The receiver, `shangji web` and `shangji worker` for one run (a context manager)."""

    def __init__(self, *, web_workers: int, ip_limit: int = 100_000):
        self.web_workers, self.ip_limit = web_workers, ip_limit

    def __enter__(self) -> Stack:
        self.receiver = RobotReceiver()
        self.key = set_up(self.receiver.url, ip_limit=self.ip_limit)
        self.port = free_port()
        self.web = start("web", SHANGJI_PORT=str(self.port), SHANGJI_WEB_WORKERS=str(self.web_workers))
        # Lead scoring and assignment are CPU work: on PostgreSQL worker processes use both cores (threads share
        # one); SQLite takes one writer at a time, and processes queueing for its lock only wait longer.
        kind = "process" if "SHANGJI_DATABASE_URL" in os.environ else "thread"
        self.worker = start("worker", SHANGJI_WORKER_TYPE=kind, SHANGJI_WORKERS=str(WORKER_PROCESSES))
        if not wait_for(lambda: web_is_up(self.port), 180, step=0.2):
            self.__exit__(None, None, None)
            raise SystemExit("`shangji web` did not answer within 180 s")
        self.client = Client(self.port, self.key)
        # Warm-up: concurrent posts so every web worker has imported everything and the worker is consuming.
        warm = 4 * self.web_workers
        with ThreadPoolExecutor(max_workers=warm) as pool:
            statuses = list(pool.map(lambda n: self.client.post(9_000_000 + n, idempotency_key=f"warm-{n}"),
                                     range(warm)))
        if set(statuses) != {201}:
            self.__exit__(None, None, None)
            raise SystemExit(f"POST /api/leads/intake/ answered {statuses} to the warm-up leads")
        if not wait_for(lambda: self.receiver.count() >= warm, 120):
            self.__exit__(None, None, None)
            raise SystemExit("the warm-up leads' robot messages did not arrive within 120 s")
        return self

    def __exit__(self, *exc) -> None:
        for process in (getattr(self, "web", None), getattr(self, "worker", None)):
            if process is not None:
                stop(process)
        self.receiver.close()


# ---------------------------------------------------------------------------------------------------------
# 1. Scan to rep


def _stack(args, stack: Stack | None):
    from contextlib import nullcontext

    return nullcontext(stack) if stack is not None else Stack(web_workers=args.web_workers)


def scan_to_rep(args, stack: Stack | None = None) -> list[dict]:
    from bench.common import summary

    total = int(args.rate * args.seconds)
    submitted: dict[int, float] = {}
    answered: dict[int, float] = {}
    statuses: dict[int, int] = {}
    with _stack(args, stack) as stack:
        started = time.time() + 0.5

        def send(number: int) -> None:
            pause = started + number / args.rate - time.time()
            if pause > 0:
                time.sleep(pause)
            submitted[number] = time.time()
            statuses[number] = stack.client.post(number)
            answered[number] = time.time()

        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(send, range(total)))
        accepted = [n for n, status in statuses.items() if status == 201]
        wait_for(lambda: all(n in stack.receiver.arrived for n in accepted), args.drain)
        arrived = {n: stack.receiver.arrived[n] for n in accepted if n in stack.receiver.arrived}
        messages, unmatched = stack.receiver.messages, stack.receiver.unmatched
    latencies = [(arrived[n] - submitted[n]) * 1000 for n in sorted(arrived)]
    errors = {str(code): sum(1 for s in statuses.values() if s == code) for code in set(statuses.values()) - {201}}
    if not latencies:
        return [emit(bench="leads.scan_to_rep", metric="p95_ms", value=None, n=0, expected=total, db=args.db,
                     accepted=len(accepted), http_errors=errors)]
    figures = summary(latencies)
    http = summary([(answered[n] - submitted[n]) * 1000 for n in accepted])
    figures |= {"http_p50_ms": http["p50_ms"], "http_p95_ms": http["p95_ms"]}
    return [emit(bench="leads.scan_to_rep", metric="p95_ms", value=figures["p95_ms"], n=len(latencies),
                 expected=total, accepted=len(accepted), arrived=len(arrived), db=args.db, **figures,
                 rate_per_s=args.rate, seconds=args.seconds, web_workers=args.web_workers,
                 robot_messages=messages, unmatched_messages=unmatched, http_errors=errors, target_p95_ms=1000)]


# ---------------------------------------------------------------------------------------------------------
# 2. Intake throughput


def intake(args, stack: Stack | None = None) -> list[dict]:
    from bench.common import summary

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    accepted_numbers: list[int] = []
    lock = threading.Lock()
    with _stack(args, stack) as stack:
        numbers = iter(range(1_000_000, 9_000_000))  # names apart from scan_to_rep's and the warm-up's
        stop_at = time.monotonic() + args.seconds

        def client() -> None:
            while time.monotonic() < stop_at:
                with lock:
                    number = next(numbers)
                began = time.perf_counter()
                status = stack.client.post(number)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 201:
                        latencies.append(elapsed)
                        accepted_numbers.append(number)

        began = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        ended = time.time()
        # The burst is accepted faster than the worker processes it: how long until the last accepted lead's robot
        # message arrives (scored, assigned, notified), and the rate of the whole path over burst + drain.
        with stack.receiver.lock:
            waiting = sum(1 for n in accepted_numbers if n not in stack.receiver.arrived)
        drained = wait_for(lambda: all(n in stack.receiver.arrived for n in accepted_numbers),
                           args.drain_burst, step=0.5)
        last = max((stack.receiver.arrived.get(n, 0) for n in accepted_numbers), default=0)
        drain_s = round(max(0.0, last - ended), 1)
    accepted = statuses.get(201, 0)
    figures = summary(latencies) if latencies else {}
    return [emit(bench="leads.intake_throughput", metric="accepted_per_s", value=round(accepted / elapsed, 1),
                 n=accepted, db=args.db, seconds=round(elapsed, 1), clients=args.clients,
                 web_workers=args.web_workers, **figures,
                 http_errors={str(code): n for code, n in statuses.items() if code != 201}, target_per_s=300,
                 waiting_at_end=waiting, drained=drained, drain_s=drain_s if drained else None,
                 processed_per_s=round(accepted / (elapsed + drain_s), 1) if drained else None)]


# ---------------------------------------------------------------------------------------------------------
# 3. Scoring quality through Lead records


# The bank columns (bench/lead_scoring.py's FIELDS) as custom fields of leads: key, column, label, type.
def bank_fields():
    from bench.lead_scoring import FIELDS

    return [(spec.key.replace(".", "_"), spec.key, spec.label, "number" if spec.kind == "number" else "choice")
            for spec in FIELDS]


def custom_value(column: str, raw: str, field_type: str):
    """The stored custom value of one CSV cell: numbers as int/float; pdays=999 ("never contacted") left empty."""
    if field_type != "number":
        return raw
    if column == "pdays" and raw == "999":
        return None
    number = float(raw)
    return int(number) if number.is_integer() else number


def scoring(args) -> list[dict]:
    import numpy as np
    from django.db import transaction

    from bench.lead_scoring import dataset_path, load, measures
    from shangji.core.customfields.definitions import FieldDefinition, custom_field_create
    from shangji.leads.choices import ArchiveReason, Channel, LeadStatus, Source
    from shangji.leads.models import Lead
    from shangji.leads.score import active_model, model_fields, model_row, scoring_model_train, training_set
    from shangji.leads.scoring import NaiveBayesScorer

    path = dataset_path()
    if not path.exists():
        return [emit(bench="leads.scoring_quality", via="lead_records", skipped=f"dataset not found: {path}")]
    rows, labels = load(path, every=args.every)
    fields = bank_fields()
    with transaction.atomic():
        for key, column, label, field_type in fields:
            choices = tuple(sorted({row[column] for row in rows})) if field_type == "choice" else ()
            custom_field_create(actor=None, entity="lead", definition=FieldDefinition(
                label=label, field_type=field_type, key=key, label_en=column, choices=choices))
    split = int(len(rows) * args.train_fraction)
    first = datetime(2008, 5, 5, 1, 0, tzinfo=UTC)  # the data runs May 2008 – Nov 2010, rows in date order
    step = timedelta(days=910) / len(rows)
    started = time.perf_counter()
    batch: list[Lead] = []
    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        at = first + step * index
        if index < split:
            status = LeadStatus.CONVERTED if label else LeadStatus.ARCHIVED
        else:
            status = LeadStatus.CONTACTED  # still open: what the model has to score
        custom = {key: value for key, column, _label, field_type in fields
                  if (value := custom_value(column, row[column], field_type)) is not None}
        batch.append(Lead(name=f"银行客户{index + 1}", source=Source.IMPORT, channel=Channel.PHONE, status=status,
                          archive_reason=ArchiveReason.NO_NEED if status == LeadStatus.ARCHIVED else "",
                          converted_at=at + timedelta(days=14) if status == LeadStatus.CONVERTED else None,
                          first_contact_at=at, last_progress_at=at, custom=custom, created_at=at, updated_at=at))
        if len(batch) == 2000:
            Lead.objects.bulk_create(batch)
            batch = []
    if batch:
        Lead.objects.bulk_create(batch)
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    record = scoring_model_train()
    train_seconds = time.perf_counter() - started
    if record is None:
        return [emit(bench="leads.scoring_quality", via="lead_records", skipped="not enough history to train")]
    _model_id, model = active_model()
    train_rows, train_labels = training_set()
    started = time.perf_counter()
    baseline = NaiveBayesScorer(fields=model_fields()).fit(train_rows, train_labels)
    baseline_seconds = time.perf_counter() - started
    scored = (Lead.objects.filter(status=LeadStatus.CONTACTED).select_related("campaign", "industry", "region", "city")
              .order_by("created_at", "id"))
    test_rows = [model_row(lead) for lead in scored.iterator(chunk_size=2000)]
    y_test = np.asarray(labels[split:])
    assert len(test_rows) == len(y_test), (len(test_rows), len(y_test))
    ours = measures(y_test, model.predict(test_rows))
    theirs = measures(y_test, baseline.predict(test_rows))
    common = {"via": "lead_records", "baseline": "odoo-naive-bayes", "n": len(test_rows), "n_train": record.rows,
              "dataset": "uci-bank-marketing", "db": args.db}
    lines = [emit(bench="leads.scoring_quality", metric=metric, value=round(ours[metric], 4),
                  baseline_value=round(theirs[metric], 4), better="lower" if metric == "brier" else "higher",
                  **common) for metric in ("roc_auc", "brier", "pr_auc", "lift_at_10pct")]
    lines.append(emit(bench="leads.scoring_quality", metric="train_seconds", value=round(train_seconds, 2),
                      baseline_value=round(baseline_seconds, 2), load_seconds=round(load_seconds, 2),
                      better="lower", **common))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["scan_to_rep", "intake", "scoring", "smoke"])
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--rate", type=float, default=50, help="scan_to_rep: leads per second")
    parser.add_argument("--seconds", type=float, default=None, help="scan_to_rep 60, intake 30")
    parser.add_argument("--clients", type=int, default=None, help="client threads (scan_to_rep 32, intake 16)")
    parser.add_argument("--web-workers", type=int, default=None, help="web server processes (scan_to_rep 2, intake 4)")
    parser.add_argument("--drain", type=float, default=60, help="scan_to_rep: seconds to wait for late messages")
    parser.add_argument("--drain-burst", type=float, default=600,
                        help="intake: seconds to wait for the burst's last robot message")
    parser.add_argument("--every", type=int, default=1, help="scoring: keep every n-th row (a quick run)")
    parser.add_argument("--train-fraction", type=float, default=0.8)
    args = parser.parse_args(argv)
    defaults = {"scan_to_rep": (60, 32, 2), "intake": (30, 16, 4), "scoring": (0, 0, 0), "smoke": (1, 8, 1)}[args.what]
    args.seconds = args.seconds if args.seconds is not None else defaults[0]
    args.clients = args.clients or defaults[1]
    args.web_workers = args.web_workers or defaults[2]

    import django

    django.setup()
    if args.what == "smoke":  # both HTTP measures, briefly, on one web server and worker (the test suite's run)
        with Stack(web_workers=args.web_workers) as stack:
            scan_to_rep(args, stack)
            intake(args, stack)
        return
    {"scan_to_rep": scan_to_rep, "intake": intake, "scoring": scoring}[args.what](args)


if __name__ == "__main__":
    main()
