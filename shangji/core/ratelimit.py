"""Fixed-window rate limits counted in the database, so every web process (and every machine) shares them.

One upsert statement per request; windows older than a day are removed by the nightly housekeeping.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from shangji.core.models import RateCounter


def rate_hits(limits: dict[str, int], *, window_seconds: int, now: float | None = None) -> list[str]:
    """Count one request in each bucket of `limits` (one statement, one commit) and return the buckets whose
    current window now holds more requests than their limit."""
    if not limits:
        return []
    moment = now if now is not None else time.time()
    start = int(moment // window_seconds) * window_seconds
    buckets = {bucket[:120]: limit for bucket, limit in limits.items()}
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * len(buckets))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, hits) VALUES {values} "  # noqa: S608 (model's table)
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING bucket, hits",
            [item for bucket in buckets for item in (bucket, start)])
        counted = cursor.fetchall()
    return [bucket for bucket, hits in counted if hits > buckets[bucket]]


def rate_counters_purge(*, keep_seconds: int = 86400, now: float | None = None) -> int:
    cutoff = (now if now is not None else time.time()) - keep_seconds
    return RateCounter.objects.filter(window_start__lt=cutoff).delete()[0]
