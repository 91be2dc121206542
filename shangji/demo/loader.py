"""Load the demo company and N customers / M opportunities in streamed, committed batches.

This bypasses the services on purpose: it is a bulk load of *historical* data (deals that
moved stages months ago), which no service can write because services stamp `now`, and a
per-row service call with its audit and event rows would make a million-row benchmark load
take hours. It writes the same rows the services write — codes, normalized names, match
keys, stage changes with their regression/skip flags — so everything reading them behaves
as if the data had been entered through the app.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from shangji.core.registry import setting
from shangji.customers.models import Contact, Customer, CustomerMatchKey, CustomerShare, Industry
from shangji.demo.deals import DealFactory, DealTables
from shangji.demo.evidence import Evidence
from shangji.demo.leads import load_leads
from shangji.demo.org import DemoOrg, ensure_org, ensure_products
from shangji.demo.records import PRESALES_SHARES, CustomerFactory, CustomerStub, CustomerTables
from shangji.demo.visits import load_visits
from shangji.demo.workflow import load_workflow
from shangji.pipeline.models import LostReason, Opportunity, Pipeline, PipelineTotal, StageChange
from shangji.pipeline.pipelines import pipeline_stages, with_stages
from shangji.pipeline.totals import pipeline_totals_rebuild

DEFAULT_CUSTOMERS = 2000
DEFAULT_OPPORTUNITIES = 1500
SEED = 2026
# Rows per committed batch: every commit rewrites each index page it touched, so bigger batches
# write less (5,000 halves the I/O of 2,000 on a million-row load) while staying a few MB in memory.
BATCH_SIZE = 5000


@dataclass
class LoadResult:
    org: DemoOrg
    customers: int = 0
    duplicates: int = 0
    contacts: int = 0
    interactions: int = 0
    shares: int = 0
    opportunities: int = 0
    stage_changes: int = 0
    tasks: int = 0
    timers: int = 0
    leads: int = 0
    visits: int = 0
    seconds: float = 0.0


def _next_id(model: type[models.Model]) -> int:
    """First free primary key; call inside the batch transaction (SQLite holds the write lock)."""
    top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
    if connection.vendor == "sqlite":
        # AUTOINCREMENT never reuses the id of a deleted last row; neither do we.
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
            row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
    return top + 1


def _sync_sequences(*model_classes: type[models.Model]) -> None:
    """Explicit ids do not advance PostgreSQL sequences; move them past what we inserted."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class _Progress:
    def __init__(self, report: Callable[[str], None] | None, started: float) -> None:
        self.report, self.started, self.last = report, started, 0.0

    def __call__(self, label: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.report and (force or now - self.last >= 5 or done == total):
            self.last = now
            self.report(f"{label} {done:,} / {total:,}（{now - self.started:.0f} 秒）")


def _refresh_planner_statistics() -> None:
    """After a bulk load the query planner's statistics are stale (and PostgreSQL's visibility map empty,
    which rules out index-only scans); refresh them so the first requests get good plans."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction (tests wrap one around everything): ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            for model in (Customer, Contact, Opportunity, StageChange, CustomerMatchKey, PipelineTotal):
                cursor.execute(f'{command} "{model._meta.db_table}"')
        else:
            cursor.execute("ANALYZE")


def load(*, customers: int, opportunities: int, batch_size: int = BATCH_SIZE,
         report: Callable[[str], None] | None = None) -> LoadResult:
    """Create the demo org if missing, then add `customers` customers and `opportunities` deals."""
    started = time.monotonic()
    if connection.vendor == "sqlite":
        # For this connection only: index pages of million-row tables do not fit SQLite's default
        # 2 MB page cache (128 MB here), and a 64 MB WAL between checkpoints copies each hot index
        # page back to the database file less often.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")
            cursor.execute("PRAGMA wal_autocheckpoint = 16384")
    org = ensure_org()
    products = ensure_products()
    now = timezone.now().replace(microsecond=0)
    result = LoadResult(org=org)
    progress = _Progress(report, started)
    last_customer = Customer.objects.aggregate(top=models.Max("pk"))["top"] or 0
    last_opportunity = Opportunity.objects.aggregate(top=models.Max("pk"))["top"] or 0
    # The same database state gives the same data; a second load continues with a fresh stream.
    fresh = not (last_customer or last_opportunity)
    rng = random.Random(SEED if fresh else f"{SEED}:{last_customer}:{last_opportunity}")
    presales_shares = CustomerShare.objects.filter(user_id=org.user_id("presales_1")).count()
    customer_factory = CustomerFactory(
        rng=rng, org=org, industries=dict(Industry.objects.values_list("name", "pk")), now=now,
        code_prefix=setting("customers.code_prefix"), namer_start=_namer_start(),
        presales_quota=max(0, PRESALES_SHARES - presales_shares))
    deal_factory = DealFactory(
        rng=rng, org=org, pipelines=[(p, pipeline_stages(p)) for p in with_stages(Pipeline.objects.all())],
        lost_reasons=list(LostReason.objects.filter(is_active=True)), products=products, now=now,
        stuck_days=setting("pipeline.stuck_days"), evidence=Evidence.prepare(now=now))

    customer_tables, deal_tables = CustomerTables(), DealTables()

    def add_deals(stubs: list[CustomerStub], count: int) -> None:
        for offset in range(0, count, batch_size):
            size = min(batch_size, count - offset)
            with transaction.atomic():
                deals = deal_factory.build(stubs, size, first_id=_next_id(Opportunity))
                deal_tables.write(deals)
                _sync_sequences(Opportunity)
            result.opportunities += len(deals.opportunities)
            result.stage_changes += len(deals.changes)
            progress("商机", result.opportunities, opportunities)

    if customers > 0:
        while result.customers < customers:
            size = min(batch_size, customers - result.customers)
            with transaction.atomic():
                batch = customer_factory.build(size, first_id=_next_id(Customer), first_contact_id=_next_id(Contact))
                customer_tables.write(batch)
                _sync_sequences(Customer, Contact)
            result.customers += size
            result.duplicates += batch.duplicates
            result.contacts += len(batch.contacts)
            result.interactions += len(batch.interactions)
            result.shares += len(batch.shares)
            progress("客户", result.customers, customers)
            # Deals follow their customers batch by batch, so nothing is held across batches.
            add_deals(batch.stubs, opportunities * result.customers // customers - result.opportunities)
    elif opportunities > 0:
        live = Customer.objects.filter(merged_into__isnull=True)
        total = live.count()
        if not total:
            raise ValueError("数据库里还没有客户，无法只生成商机：请同时指定 --customers。")
        seen = 0
        for stubs in _existing_customers(live, batch_size):
            seen += len(stubs)
            add_deals(stubs, opportunities * seen // total - result.opportunities)
    if opportunities > 0:
        pipeline_totals_rebuild()  # the bulk path skips the services that keep the kanban counters
    if fresh and opportunities > 0:
        result.tasks, result.timers = load_workflow(rng=rng, now=now)
        result.leads = load_leads(org=org, rng=rng, now=now)
        result.visits = load_visits(org=org, rng=rng, now=now)
    _refresh_planner_statistics()
    result.seconds = time.monotonic() - started
    return result


def _namer_start() -> int:
    """Where the name stream resumes. Each earlier seeded customer used at most one position, plus the
    rare position skipped because the name read as a place (~0.1 %); the 2 % margin covers those."""
    count = Customer.objects.count()
    return count + count // 50 + 10 if count else 0


def _existing_customers(queryset, batch_size: int) -> Iterator[list[CustomerStub]]:
    last = 0
    fields = ("pk", "name_normalized", "owner_id", "city_id", "created_at", "grade", "scale")
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*fields)[:batch_size])
        if not rows:
            return
        last = rows[-1][0]
        yield [CustomerStub(pk, name[:12], owner, city, created, grade, scale)
               for pk, name, owner, city, created, grade, scale in rows]
