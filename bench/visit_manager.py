"""The manager's visit page (/visits/team/, V2–V4) on a 200-rep company with one year of visits (~500,000).

  python -m bench.visit_manager seed --db sqlite      load the company once (the runner keeps it, see run())
  python -m bench.visit_manager measure --db sqlite   server time of the page, JSON lines

The company is the demo one (its fixed logins: director, manager_east, lead_east_1 …) grown to 200 reps spread over
its 16 teams, with 100 customers per rep. Each rep visits 6–10 customers on each working day (Monday–Saturday) of
the last 365 days; every rep has their own habits (how often they record late, take photos, check in far away), so
the rates differ between reps as they do in a real team. Proportions per visit: 96 % recorded, 3 % checked in and
never recorded, 1 % cancelled; 40 % have one or two photos (80 % of photos clean, the rest far / early / late /
no EXIF / no GPS); 22 % carry a signal from the shipped dictionary; 1–3 pain keywords, a third of them dictionary
words. Rows are bulk-inserted with the derived columns the services write (record delay, key action judged by the
customer's next visit), then the manager's rollups (VisitDay, VisitProblem) are built once, as after any bulk load.

Server time = Django handling GET /visits/team/ through the whole middleware stack (no network), for the director
(the whole company) and for a team lead, with the default period (last 30 days) and the last 90 days: 3 warm-up
requests, then `--requests` timed ones. Target p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")

BENCH = "visits.manager_page"
REPS = 200
CUSTOMERS_PER_REP = 100
DAYS = 365
TARGET_P95_MS = 300
NAME = f"visits_r{REPS}"
FREE_KEYWORDS = ["交期长", "包装差", "账期短", "样品不足", "售后响应慢", "规格不全", "运费高", "起订量高", "促销支持少",
                 "培训不足", "陈列费高", "条码缺失", "保质期短", "返利慢"]
DICTIONARY_KEYWORDS = ["缺货", "价格太高", "压货", "投诉", "回款慢", "竞品进场"]
ACTIONS = ["周三前发送报价单", "下周安排技术交流", "补货 20 箱", "提交陈列方案", "协调物流加急", "申请促销支持",
           "寄送样品", "对账并催款"]
PHOTO_FLAGS = [([], 80), (["far"], 6), (["early"], 5), (["late"], 2), (["no_exif"], 5), (["no_gps"], 1),
               (["far", "early"], 1)]


def database_env(db: str) -> dict[str, str]:
    from bench.common import BENCH_DIR, PG_BASE

    data_dir = BENCH_DIR / NAME
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SHANGJI_DATA_DIR": str(data_dir), "SHANGJI_TESTING": "false"}
    env.pop("SHANGJI_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if db == "postgres":
        env["SHANGJI_DATABASE_URL"] = f"{PG_BASE}/shangji_bench_{NAME}"
    return env


def run(db: str) -> None:
    """Seed the benchmark database once (marker file), then measure in a fresh process."""
    import subprocess
    import sys

    from bench.common import ROOT, drop_postgres_database, ensure_postgres_database, shangji

    env = database_env(db)
    marker = Path(env["SHANGJI_DATA_DIR"]) / f"seeded-{db}"
    if not marker.exists():
        if db == "postgres":
            drop_postgres_database(env["SHANGJI_DATABASE_URL"])
        else:
            for suffix in ("", "-wal", "-shm"):
                (Path(env["SHANGJI_DATA_DIR"]) / f"shangji.sqlite3{suffix}").unlink(missing_ok=True)
    if db == "postgres":
        ensure_postgres_database(env["SHANGJI_DATABASE_URL"])
    shangji(env, "migrate", "--noinput", "-v0")
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "bench.visit_manager", "seed", "--db", db], env=env, check=True,
                       cwd=ROOT)
        marker.write_text("ok")
    subprocess.run([sys.executable, "-m", "bench.visit_manager", "measure", "--db", db], env=env, check=True, cwd=ROOT)


# ---------------------------------------------------------------------------------------------------------
# Seeding


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def seed(*, reps: int = REPS, customers_per_rep: int = CUSTOMERS_PER_REP, days: int = DAYS, seed_value: int = 5,
         now: datetime | None = None, report=print) -> dict:
    """Load the company and its year of visits into the database Django is connected to; returns the counts."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from shangji.customers.models import Customer
    from shangji.demo import loader
    from shangji.demo.bulk import Table
    from shangji.org.choices import Role, UnitKind
    from shangji.org.models import OrgUnit, User
    from shangji.visits import rollups
    from shangji.visits.models import Visit, VisitDay, VisitPhoto, VisitProblem, VisitSignal
    from shangji.visits.signals import DEFAULT_RULES

    started = time.monotonic()
    rng = random.Random(seed_value)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    loader.load(customers=0, opportunities=0)  # the demo org and catalogue
    teams = list(OrgUnit.objects.filter(kind=UnitKind.TEAM).select_related("parent").order_by("path"))
    have = User.objects.filter(role=Role.REP, is_active=True).count()
    password = make_password("shangji-demo")
    User.objects.bulk_create([
        User(username=f"bench_rep_{index:03d}", name=f"业务员{index:03d}", role=Role.REP,
             org_unit=teams[index % len(teams)], password=password, is_active=True)
        for index in range(max(0, reps - have))])
    rep_rows = list(User.objects.filter(role=Role.REP, is_active=True, org_unit__kind=UnitKind.TEAM)
                    .values_list("pk", "org_unit__parent_id").order_by("pk"))
    loader.load(customers=len(rep_rows) * customers_per_rep, opportunities=0)
    reps_by_city: dict[int, list[int]] = {}
    for rep, city in rep_rows:
        reps_by_city.setdefault(city, []).append(rep)
    everyone = [rep for rep, _city in rep_rows]
    owned: dict[int, list[int]] = {rep: [] for rep in everyone}
    turn: dict[int | None, int] = {}
    with transaction.atomic():
        updates = []
        for pk, city in Customer.objects.filter(merged_into__isnull=True).values_list("pk", "city_id").order_by("pk"):
            pool = reps_by_city.get(city) or everyone
            rep = pool[turn.get(city, 0) % len(pool)]
            turn[city] = turn.get(city, 0) + 1
            owned[rep].append(pk)
            updates.append((rep, pk))
        with connection.cursor() as cursor:
            cursor.executemany(f'UPDATE {Customer._meta.db_table} SET owner_id = %s WHERE id = %s', updates)

    visit_table = Table(Visit, ("id", "client_id", "customer_id", "owner_id", "status", "checked_in_at",
                                "checkin_distance_m", "checkin_flag", "pain_keywords", "committed_action",
                                "next_follow_up_at", "notes", "previous_action_done", "visited_at", "recorded_at",
                                "device_recorded_at", "record_delay_s", "action_done", "created_at", "updated_at"))
    photo_table = Table(VisitPhoto, ("client_id", "visit_id", "kind", "file", "content_type", "size", "width",
                                     "height", "taken_at", "distance_m", "flags", "created_at"))
    signal_table = Table(VisitSignal, ("visit_id", "customer_id", "owner_id", "kind", "label", "risk", "word",
                                       "snippet", "found_at"))
    rules = [rule for rule in DEFAULT_RULES]
    shanghai = timedelta(hours=8)
    counts = {"reps": len(everyone), "visits": 0, "photos": 0, "signals": 0}
    first_day = (now + shanghai).date() - timedelta(days=days - 1)
    for number, rep in enumerate(everyone, start=1):
        mine = owned[rep]
        if not mine:  # a rep without customers logs nothing (a customer's visits stay with one rep: one chain)
            continue
        late_rate, far_rate, photo_rate = rng.uniform(0.01, 0.15), rng.uniform(0.02, 0.15), rng.uniform(0.2, 0.6)
        done_rate = rng.uniform(0.78, 0.97)
        rows: list[list] = []
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if day.weekday() == 6:
                continue
            for _visit in range(rng.randint(6, 10)):
                local = datetime(day.year, day.month, day.day, 8, 30, tzinfo=UTC) + timedelta(
                    minutes=rng.randint(0, 600))
                visited = local - shanghai
                if visited > now:
                    continue
                rows.append([visited, rng.choice(mine)])
        rows.sort()
        with transaction.atomic():
            first_id = loader._next_id(Visit)
            visits, photos, signals, last_of_customer = [], [], [], {}
            for index, (visited, customer) in enumerate(rows):
                pk = first_id + index
                draw = rng.random()
                status = "recorded" if draw < 0.96 else "checked_in" if draw < 0.99 else "cancelled"
                if rng.random() < late_rate:
                    delay = rng.randint(2 * 3600 + 60, 40 * 3600)
                else:
                    delay = rng.randint(60, 2 * 3600 - 60)
                recorded = visited + timedelta(seconds=delay) if status == "recorded" else None
                if recorded is not None and recorded > now:
                    recorded, delay = now, int((now - visited).total_seconds())
                place = rng.random()
                flag = ("far" if place < far_rate else "no_position" if place < far_rate + 0.04
                        else "" if place < far_rate + 0.07 else "ok")
                distance = rng.randint(600, 8000) if flag == "far" else rng.randint(5, 400) if flag == "ok" else None
                keywords = rng.sample(FREE_KEYWORDS + DICTIONARY_KEYWORDS, rng.randint(1, 3))
                answered = rng.random()
                previous_done = True if answered < done_rate else False if answered < 0.98 else None
                row = [pk, uuid.UUID(int=rng.getrandbits(128), version=4), customer, rep, status,
                       visited if flag else None, distance, flag, keywords if status == "recorded" else [],
                       rng.choice(ACTIONS) if status == "recorded" else "",
                       visited + timedelta(days=rng.randint(3, 14)) if status == "recorded" else None,
                       "", previous_done if status == "recorded" else None, visited if status != "cancelled" else None,
                       recorded, recorded, delay if recorded else None, None, visited, recorded or visited]
                if status == "recorded":
                    earlier = last_of_customer.get(customer)
                    if earlier is not None:
                        earlier[17] = previous_done is True  # the earlier visit's action, judged by this one
                    last_of_customer[customer] = row
                    if rng.random() < photo_rate:
                        for _photo in range(rng.randint(1, 2)):
                            flags = _weighted(rng, PHOTO_FLAGS)
                            photos.append((uuid.UUID(int=rng.getrandbits(128), version=4), pk,
                                           rng.choice(["shelf", "competitor", "chat", "other"]),
                                           f"visits/bench/{pk}.jpg", "image/jpeg", 240_000, 1600, 1200,
                                           None if "no_exif" in flags else visited + timedelta(minutes=5),
                                           rng.randint(1000, 9000) if "far" in flags else rng.randint(5, 300),
                                           flags, recorded))
                    found = rng.random()
                    for rule in rng.sample(rules, 2 if found < 0.04 else 1 if found < 0.22 else 0):
                        word = rule.words[0]
                        signals.append((pk, customer, rep, rule.kind, rule.label, rule.risk, word, f"客户反馈{word}",
                                        visited))
                visits.append(row)
            visit_table.insert(tuple(row) for row in visits)
            photo_table.insert(photos)
            signal_table.insert(signals)
            loader._sync_sequences(Visit)
        counts["visits"] += len(visits)
        counts["photos"] += len(photos)
        counts["signals"] += len(signals)
        if report and (number % 20 == 0 or number == len(everyone)):
            report(f"reps {number}/{len(everyone)} visits {counts['visits']:,} ({time.monotonic() - started:.0f} s)")
    rolled = rollups.rebuild(report=report)  # what the services keep up to date visit by visit
    counts["rollup_days"], counts["rollup_problems"] = rolled["days"], rolled["problems"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            for model in (Visit, VisitPhoto, VisitSignal, VisitDay, VisitProblem, Customer, User):
                cursor.execute(f'{command} "{model._meta.db_table}"')
        else:
            cursor.execute("ANALYZE")
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


# ---------------------------------------------------------------------------------------------------------
# Measuring


def measure(*, db: str, requests: int = 30, warm_up: int = 3, users=("director", "lead_east_1"),
            queries=("", "period=90")) -> list[dict]:
    """Server time of /visits/team/ per (user, query); one JSON line each."""
    from django.test import Client

    from bench.common import emit, summary
    from shangji.org.models import User
    from shangji.visits.models import Visit

    rows = Visit.objects.count()
    lines = []
    for username in users:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for query in queries:
            url = f"/visits/team/?{query}" if query else "/visits/team/"
            times = []
            for attempt in range(warm_up + requests):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if attempt >= warm_up:
                    times.append(elapsed)
            line = {"bench": BENCH, "metric": "p95_ms", "db": db, "rows": rows, "user": username,
                    "period": query.partition("=")[2] or "30", "n": len(times), **summary(times),
                    "target_p95_ms": TARGET_P95_MS}
            line["value"] = line["p95_ms"]
            emit(**line)
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["seed", "measure"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    import django

    django.setup()
    if args.what == "seed":
        counts = seed(report=lambda text: print(text, flush=True))
        print(counts, flush=True)
    else:
        measure(db=args.db, requests=args.requests)


if __name__ == "__main__":
    main()
