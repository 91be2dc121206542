"""Fixed-window rate limits counted in the database, so every web process (and every machine) shares them.

One upsert per check; windows older than a day are removed by the nightly housekeeping.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from shangji.core.models import RateCounter


def rate_hit(bucket: str, *, limit: int, window_seconds: int, now: float | None = None) -> bool:
    """Count one request in `bucket`; False when the current window already holds `limit` requests."""
    moment = now if now is not None else time.time()
    start = int(moment // window_seconds) * window_seconds
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608 (model's table)
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [bucket[:120], start])
        hits = cursor.fetchone()[0]
    return hits <= limit


def rate_counters_purge(*, keep_seconds: int = 86400, now: float | None = None) -> int:
    cutoff = (now if now is not None else time.time()) - keep_seconds
    return RateCounter.objects.filter(window_start__lt=cutoff).delete()[0]
