"""Automation benchmarks and the crash drill, against a real worker process.

  python -m bench.automation latency --db sqlite     event → webhook delivered, p50/p95 at 50 events/s for 60 s
  python -m bench.automation crash --db sqlite       kill the worker mid-burst of 1,000 events, restart, count
  python -m bench.automation rules --db sqlite       rule evaluation throughput with 200 enabled rules, one worker
  python -m bench.automation timers --db sqlite      one sweep over 100,000 pending timers of which 1,000 are due

Run by `python -m bench` in a subprocess whose environment selects the database and data directory; prints JSON
lines. The receiver stands in for a webhook endpoint that honours the idempotency key: it counts each key once
and reports how many times a key arrived again.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")
ROOT = Path(__file__).resolve().parent.parent


class Receiver:
    """A loopback webhook endpoint: first arrival time per idempotency key, and repeats."""

    def __init__(self, *, status: int = 200):
        self.first: dict[str, float] = {}
        self.sent: dict[str, float] = {}
        self.repeats = 0
        self.status = status
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key", "")
                now = time.time()
                with receiver.lock:
                    if key in receiver.first:
                        receiver.repeats += 1
                    else:
                        receiver.first[key] = now
                        receiver.sent[key] = _sent_time(body)
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.first)

    def close(self) -> None:
        self.server.shutdown()


def _sent_time(body: bytes) -> float:
    def find(node):
        if isinstance(node, dict):
            if "sent" in node and isinstance(node["sent"], int | float):
                return node["sent"]
            for value in node.values():
                found = find(value)
                if found is not None:
                    return found
        return None
    try:
        return find(json.loads(body)) or float("nan")
    except ValueError:
        return float("nan")


def start_worker() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shangji.cli", "worker"], cwd=ROOT, env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def subscribe(receiver: Receiver, event_name: str):
    from shangji.notify.models import WebhookSubscription

    WebhookSubscription.objects.filter(name__startswith="bench").update(is_active=False)
    return WebhookSubscription.objects.create(name=f"bench {event_name}"[:60], url=receiver.url,
                                              secret="bench-secret-0123456789",
                                              event_types=[event_name], is_active=True,
                                              created_at=_now())


def _now():
    from django.utils import timezone

    return timezone.now()


def emit_event(name: str, number: int) -> None:
    from django.db import transaction

    from shangji.core.services import event_emit

    with transaction.atomic():
        event_emit(name=name, entity="bench", entity_id=number, actor=None, payload={"sent": time.time()})


def latency(args) -> dict:
    from bench.common import summary

    receiver = Receiver()
    name = f"bench.ping.{int(time.time())}"
    subscribe(receiver, name)
    worker = start_worker()
    try:
        emit_event(name, 0)  # warm-up: the worker is up when this arrives
        if not wait_for(lambda: receiver.count() >= 1, 60):
            raise SystemExit("the worker did not deliver the warm-up event within 60 s")
        total = int(args.rate * args.seconds)
        started = time.monotonic()
        for number in range(1, total + 1):
            pause = started + number / args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            emit_event(name, number)
        wait_for(lambda: receiver.count() >= total + 1, 60)
    finally:
        stop(worker)
        receiver.close()
    latencies = [(receiver.first[key] - receiver.sent[key]) * 1000 for key in receiver.first
                 if receiver.sent[key] == receiver.sent[key]][1:]
    return {"bench": "automation.event_to_webhook", "n": len(latencies), "expected": total,
            "rate_per_s": args.rate, "seconds": args.seconds, **summary(latencies),
            "target_p95_ms": 1000, "repeats_at_receiver": receiver.repeats}


def crash(args) -> dict:
    """Kill -9 the worker mid-burst, restart it: every event processed, every webhook delivered, once per key."""
    from shangji.core.models import Event
    from shangji.core.services import setting_update
    from shangji.notify.models import Delivery

    setting_update(key="notify.sending_lease_seconds", raw_value=args.lease, actor=None)
    receiver = Receiver()
    name = f"bench.crash.{int(time.time())}"
    subscribe(receiver, name)
    worker = start_worker()
    killed_at = None
    try:
        for number in range(args.events):
            emit_event(name, number)
            if killed_at is None and receiver.count() >= args.events // 4:
                stop(worker, signal.SIGKILL)
                killed_at = receiver.count()
        if killed_at is None:
            wait_for(lambda: receiver.count() >= args.events // 4, 60)
            stop(worker, signal.SIGKILL)
            killed_at = receiver.count()
        time.sleep(args.lease + 1)  # what the killed worker was sending is reclaimable once its lease is over
        restarted = time.monotonic()
        worker = start_worker()
        done = wait_for(lambda: receiver.count() >= args.events, args.timeout)
        recovered_in = time.monotonic() - restarted
        # The receiver answers before the worker records the answer: let the last rows be marked delivered.
        wait_for(lambda: not Delivery.objects.filter(event__name=name).exclude(status="delivered").exists(), 30)
    finally:
        stop(worker)
        receiver.close()
    events = Event.objects.filter(name=name)
    deliveries = Delivery.objects.filter(event__name=name)
    return {"bench": "automation.crash_drill", "events": args.events, "killed_after_deliveries": killed_at,
            "recovery_s": round(recovered_in, 1),
            "all_received": done, "received_unique": receiver.count(), "repeats_at_receiver": receiver.repeats,
            "events_undispatched": events.filter(dispatched_at__isnull=True).count(),
            "deliveries": deliveries.count(),
            "deliveries_not_delivered": deliveries.exclude(status="delivered").count()}


def rules(args) -> dict:
    """Events/s through the outbox handler with `args.rules` enabled rules on opportunities (one thread)."""
    from django.db import transaction

    from shangji.automation.models import Rule, RuleRun
    from shangji.automation.services import RuleSpec, rule_create
    from shangji.core import events
    from shangji.core.models import Event
    from shangji.org.models import User
    from shangji.pipeline.models import Opportunity, Stage

    ops = User.objects.filter(role="sales_ops").first()
    Rule.objects.filter(name__startswith="bench-").delete()
    Rule.objects.filter(key__isnull=False).update(is_enabled=False)
    stages = list(Stage.objects.values_list("pk", flat=True))
    for number in range(args.rules):
        # Realistic mixes: rules check amount, stage, age and name and do not match; rule 0 always fires.
        conditions = {"match": "all", "items": [
            {"field": "amount", "op": "gt", "value": str(10_000 * (number % 50))},
            {"field": "stage", "op": "eq", "value": str(stages[number % len(stages)])},
            {"match": "any", "items": [{"field": "days_in_stage", "op": "gte", "value": str(number % 90)},
                                       {"field": "name", "op": "contains", "value": "（加急）"}]},
        ]}
        if number == 0:  # one rule of the 200 fires on every event (a notification to the owner)
            conditions = {"match": "all", "items": [{"field": "amount", "op": "gt", "value": "0"}]}
        rule_create(spec=RuleSpec(name=f"bench-{number}", entity="opportunity", trigger="updated",
                                  conditions=conditions, actions=[{"type": "notify", "to": [{"kind": "owner"}],
                                                                   "title": "bench {name}"}]), actor=ops)
    deals = list(Opportunity.objects.values_list("pk", flat=True)[: args.events])
    Event.objects.filter(dispatched_at__isnull=True).update(dispatched_at=_now())
    with transaction.atomic():
        Event.objects.bulk_create([
            Event(name="opportunity.updated", entity="opportunity", entity_id=deals[i % len(deals)],
                  payload={"changed": ["name"], "previous": {"name": "x"}}, created_at=_now())
            for i in range(args.events)])
    started = time.perf_counter()
    while events.dispatch_pending():
        pass
    elapsed = time.perf_counter() - started
    fired = RuleRun.objects.filter(rule__name__startswith="bench-", outcome="fired").count()
    Rule.objects.filter(name__startswith="bench-").delete()
    Rule.objects.filter(key__isnull=False).update(is_enabled=True)
    return {"bench": "automation.rule_throughput", "rules": args.rules, "n": args.events, "fired": fired,
            "metric": "events_per_s", "value": round(args.events / elapsed, 1),
            "rule_evaluations_per_s": round(args.events * args.rules / elapsed)}


def timers(args) -> dict:
    """Time per sweep with `args.pending` pending timers of which `args.due` are due (no-op handler)."""
    from bench.common import summary
    from shangji.core.models import Timer, TimerStatus
    from shangji.core.timers import register_timer_handler, timers_fire_due

    register_timer_handler("bench.noop", lambda timer: None)
    Timer.objects.filter(kind="bench.noop").delete()
    now = _now()
    later = now + timedelta(days=30)
    batch = [Timer(kind="bench.noop", key=f"bench:{i}", entity="bench", entity_id=i,
                   due_at=later + timedelta(seconds=i), created_at=now) for i in range(args.pending - args.due)]
    Timer.objects.bulk_create(batch, batch_size=5000)
    times = []
    for sweep in range(args.sweeps):
        Timer.objects.bulk_create([Timer(kind="bench.noop", key=f"bench:due:{sweep}:{i}", entity="bench", entity_id=i,
                                         due_at=now - timedelta(seconds=i), created_at=now) for i in range(args.due)])
        started = time.perf_counter()
        fired = timers_fire_due(batch=args.due)
        times.append((time.perf_counter() - started) * 1000)
        assert fired == args.due, fired
    pending = Timer.objects.filter(kind="bench.noop", status=TimerStatus.PENDING).count()
    Timer.objects.filter(kind="bench.noop").delete()
    return {"bench": "automation.timer_sweep", "pending": pending + args.due, "due": args.due, "n": args.sweeps,
            **summary(times), "target_ms": 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["latency", "crash", "rules", "timers"])
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--queue", default="redis" if os.environ.get("SHANGJI_REDIS_URL") else "sqlite")
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--lease", type=int, default=5, help="delivery lease seconds during the crash drill")
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--sweeps", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    result = {"latency": latency, "crash": crash, "rules": rules, "timers": timers}[args.what](args)
    print(json.dumps({**result, "db": args.db, "queue": args.queue}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
