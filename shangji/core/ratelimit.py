"""Fixed-window request counters for the public forms and APIs, shared by every web process, kept next to the
task queue and apart from the business database: a public endpoint under load must not queue its counting behind
the lead it is about to write (SQLite has one writer), nor make every request of one IP update one hot row.

- With SHANGJI_REDIS_URL (the larger-site setup): one script call counts every bucket (INCR, and EXPIRE when a
  window opens), shared by every machine.
- Without it (one machine, like the SQLite queue): a small SQLite file in the data directory, written without
  waiting for the disk (synchronous=OFF): after a power cut the counts of the current minute may be lost, which
  only lets that minute's limits start again.

Counts older than a day are removed by the nightly housekeeping.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from django.conf import settings

KEEP_SECONDS = 86400


def rate_hits(limits: dict[str, int], *, window_seconds: int, now: float | None = None) -> list[str]:
    """Count one request in each bucket of `limits` and return the buckets whose current window now holds more
    requests than their limit (bucket names are cut to 120 characters)."""
    if not limits:
        return []
    moment = now if now is not None else time.time()
    start = int(moment // window_seconds) * window_seconds
    buckets = {bucket[:120]: limit for bucket, limit in limits.items()}
    counted = _store().count(list(buckets), start, window_seconds)
    return [bucket for bucket, hits in counted.items() if hits > buckets[bucket]]


def rate_counters_purge(*, keep_seconds: int = KEEP_SECONDS, now: float | None = None) -> int:
    return _store().purge((now if now is not None else time.time()) - keep_seconds)


def rate_counters_reset() -> None:
    """Forget every count (tests start each case from zero)."""
    _store().purge(float("inf"))


_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""


class _Redis:
    """The script runs on a connection of the calling thread's own (and process's: a forked child opens its own),
    sent and read directly: redis-py's pool hand-out, health poll and retry wrapper cost more CPU than the script."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = f"{settings.HUEY['name']}:rate:"
        self.sha = self.client.register_script(_COUNT).sha  # computed locally; loaded on first NOSCRIPT
        self.local = threading.local()

    def count(self, buckets: list[str], start: int, window_seconds: int) -> dict[str, int]:
        keys = [f"{self.prefix}{bucket}:{start}" for bucket in buckets]
        counts = self._script(len(keys), *keys, window_seconds * 2)
        return dict(zip(buckets, counts, strict=True))

    def _script(self, *args):
        """EVALSHA on this thread's connection; a forgotten script is loaded again, a dropped connection opened
        again (Redis restarted: both), each once."""
        from redis.exceptions import ConnectionError, NoScriptError, TimeoutError

        connection = self._connection()
        for _attempt in range(2):
            try:
                return self._evalsha(connection, args)
            except NoScriptError:
                self.sha = self.client.script_load(_COUNT)
            except (ConnectionError, TimeoutError):
                connection.disconnect()
        return self._evalsha(connection, args)

    def _evalsha(self, connection, args):
        connection.send_command("EVALSHA", self.sha, *args)
        return connection.read_response()

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None or self.local.pid != os.getpid():
            pool = self.client.connection_pool
            connection = self.local.connection = pool.connection_class(**pool.connection_kwargs)
            self.local.pid = os.getpid()
        return connection

    def purge(self, before: float) -> int:
        if before != float("inf"):
            return 0  # keys expire by themselves
        keys = list(self.client.scan_iter(f"{self.prefix}*", count=1000))
        return self.client.delete(*keys) if keys else 0


class _Sqlite:
    """One connection per thread (and process: a forked child never uses its parent's) to DATA_DIR/ratelimit.sqlite3."""

    def __init__(self, path):
        self.path = str(path)
        self.local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self.local, "connection", None)
        if connection is None or self.local.pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("CREATE TABLE IF NOT EXISTS counter (bucket TEXT NOT NULL, window_start INTEGER NOT "
                               "NULL, hits INTEGER NOT NULL, PRIMARY KEY (bucket, window_start)) WITHOUT ROWID")
            self.local.connection, self.local.pid = connection, os.getpid()
        return connection

    def count(self, buckets: list[str], start: int, window_seconds: int) -> dict[str, int]:
        values = ", ".join(["(?, ?, 1)"] * len(buckets))
        rows = self._connection().execute(
            f"INSERT INTO counter (bucket, window_start, hits) VALUES {values} "  # noqa: S608 (placeholders only)
            "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + 1 RETURNING bucket, hits",
            [item for bucket in buckets for item in (bucket, start)]).fetchall()
        return dict(rows)

    def purge(self, before: float) -> int:
        cursor = self._connection().execute("DELETE FROM counter WHERE window_start < ?",
                                            [min(before, 2**62)])
        return cursor.rowcount


_stores: dict[str, _Redis | _Sqlite] = {}
_lock = threading.Lock()


def _store() -> _Redis | _Sqlite:
    """The store for this configuration (settings change in tests), made once per process."""
    key = settings.REDIS_URL or str(settings.DATA_DIR)
    store = _stores.get(key)
    if store is None:
        with _lock:
            store = _stores.get(key) or (_Redis(settings.REDIS_URL) if settings.REDIS_URL
                                         else _Sqlite(settings.DATA_DIR / "ratelimit.sqlite3"))
            _stores[key] = store
    return store
