"""Rate counters (core/ratelimit.py): shared by every process, per window, and apart from the business database."""

import multiprocessing

import pytest
from django.conf import settings

from shangji.core.ratelimit import rate_counters_purge, rate_hits

LIMITS = {"ip:1": 2, "campaign:7": 3}


def test_each_bucket_counts_within_its_window_and_a_new_window_starts_from_zero():
    answers = [rate_hits(LIMITS, window_seconds=60, now=1_000_020 + n) for n in range(4)]
    assert answers == [[], [], ["ip:1"], ["ip:1", "campaign:7"]]
    assert rate_hits(LIMITS, window_seconds=60, now=1_000_080) == []  # the next minute


def test_old_windows_are_purged_and_current_ones_kept():
    rate_hits({"ip:old": 1}, window_seconds=60, now=1_000_000)
    rate_hits({"ip:new": 1}, window_seconds=60, now=1_100_000)
    assert rate_counters_purge(keep_seconds=86400, now=1_100_000) == 1
    assert rate_hits({"ip:new": 1}, window_seconds=60, now=1_100_000) == ["ip:new"]


def _hit_many(data_dir: str, times: int) -> None:
    from django.conf import settings as child_settings

    child_settings.DATA_DIR = type(settings.DATA_DIR)(data_dir)
    for _ in range(times):
        rate_hits({"ip:shared": 10**9}, window_seconds=60, now=2_000_000)


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the SQLite file store (no Redis configured)")
def test_processes_counting_at_once_lose_no_hit():
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hit_many, args=(str(settings.DATA_DIR), 200)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert rate_hits({"ip:shared": 800}, window_seconds=60, now=2_000_000) == ["ip:shared"]  # the 801st


def _redis_store():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from shangji.core.ratelimit import _Redis

    store = _Redis(url)
    store.prefix = f"test-rate-{multiprocessing.current_process().pid}:"
    return store


def _client_id(store) -> int:
    """The Redis client id of the connection this thread counts on."""
    store.local.connection.send_command("CLIENT", "ID")
    return store.local.connection.read_response()


def test_the_redis_store_counts_each_bucket_in_one_call_and_lets_windows_expire():
    store = _redis_store()
    try:
        assert [store.count(["ip:1", "campaign:7"], 60, 60) for _ in range(3)] == [
            {"ip:1": 1, "campaign:7": 1}, {"ip:1": 2, "campaign:7": 2}, {"ip:1": 3, "campaign:7": 3}]
        assert store.count(["ip:1"], 120, 60) == {"ip:1": 1}  # the next window
        assert 0 < store.client.ttl(f"{store.prefix}ip:1:60") <= 120
        store.client.script_flush()  # Redis restarted and forgot the script: it is loaded again
        assert store.count(["ip:1"], 60, 60) == {"ip:1": 4}
        own = _client_id(store)
        assert store.client.client_kill_filter(_id=own) == 1  # the connection dropped: counted on a new one
        assert store.count(["ip:1"], 60, 60) == {"ip:1": 5}
        assert _client_id(store) != own
    finally:
        store.purge(float("inf"))
