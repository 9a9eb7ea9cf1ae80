"""Redis with an in-process fallback: down means slower, not broken."""

from __future__ import annotations

import asyncio
import uuid

import structlog

from yiwang.platform.cache import Cache, DirectCommands
from yiwang.platform.settings import Settings


async def test_real_redis_round_trip(migrated: Settings) -> None:
    cache = Cache(migrated.redis_url)
    key = f"yiwang:test:{uuid.uuid4().hex}"
    try:
        await cache.set(key, "值", ttl=5)
        assert await cache.get(key) == "值".encode()
        assert await cache.incr(key + ":n", ttl=5) == 1
        assert await cache.incr(key + ":n", ttl=5) == 2
        assert not cache.degraded
        # Another client sees the same value: it really is in Redis.
        other = Cache(migrated.redis_url)
        assert await other.get(key) == "值".encode()
        await other.close()
        await cache.delete(key, key + ":n")
        assert await cache.get(key) is None
    finally:
        await cache.close()


async def test_unreachable_redis_degrades_with_a_warning() -> None:
    cache = Cache("redis://127.0.0.1:1/0")
    with structlog.testing.capture_logs() as logs:
        await cache.set("k", b"v", ttl=60)
        assert await cache.get("k") == b"v"
        assert await cache.incr("n") == 1
        assert await cache.incr("n") == 2
        assert await cache.publish("channel", "message") is False
    assert cache.degraded
    assert any(entry["event"] == "redis_unavailable_using_local_fallback" for entry in logs)
    await cache.close()


def test_local_fallback_expires() -> None:
    from yiwang.platform.cache import LocalCache

    local = LocalCache()
    local.set("a", b"1", ttl=-1)
    assert local.get("a") is None


async def test_the_session_read_survives_a_forgotten_script_and_a_cut_connection(
    migrated: Settings,
) -> None:
    """The guard's one call per request (`get_with_named`, on direct connections): Redis
    forgetting its scripts (a restart, `SCRIPT FLUSH`) and killing the connection both
    cost the caller nothing, and leave the cache undegraded."""
    cache = Cache(migrated.redis_url)
    key, account = f"yiwang:test:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        await cache.set(key, f'{{"account_id": "{account}"}}', ttl=5)
        await cache.set(f"{key}:v:{account}", b"7", ttl=5)
        expected = (f'{{"account_id": "{account}"}}'.encode(), b"7")
        assert await cache.get_with_named(key, "account_id", f"{key}:v:") == expected
        await cache.client.script_flush()
        assert await cache.get_with_named(key, "account_id", f"{key}:v:") == expected
        direct = await cache._direct.call("CLIENT", "ID")  # the connection the guard uses
        killed = await cache.client.execute_command("CLIENT", "KILL", "ID", direct)
        assert killed == 1
        assert await cache.get_with_named(key, "account_id", f"{key}:v:") == expected
        assert await cache.get_with_named(key, "missing", f"{key}:v:") == (expected[0], None)
        assert not cache.degraded
    finally:
        await cache.delete(key, f"{key}:v:{account}")
        await cache.close()


async def test_direct_connections_serve_many_at_once_and_keep_a_few(migrated: Settings) -> None:
    """More reads in flight than it keeps: each gets its own connection and its own answer;
    afterwards no more than `KEEP` stay open."""
    cache = Cache(migrated.redis_url)
    keys = [f"yiwang:test:{uuid.uuid4().hex}" for _ in range(DirectCommands.KEEP + 8)]
    try:
        for i, key in enumerate(keys):
            await cache.set(key, f'{{"account_id": {i}}}', ttl=5)
        found = await asyncio.gather(
            *(cache.get_with_named(k, "account_id", "none:") for k in keys)
        )
        assert found == [(f'{{"account_id": {i}}}'.encode(), None) for i in range(len(keys))]
        assert len(cache._direct._idle) == DirectCommands.KEEP
    finally:
        await cache.delete(*keys)
        await cache.close()


async def test_an_exhausted_pool_is_waited_for_and_never_taken_for_an_outage(
    migrated: Settings,
) -> None:
    """A process holding every pooled connection is busy, not cut off from Redis: a
    command waits for a connection, and past the wait it is answered for itself alone.
    Taken for an outage, the cache went local for `RETRY_AFTER_SECONDS`, and the guard's
    session read with it: every signed-in request of the process got 401 meanwhile."""
    cache = Cache(migrated.redis_url, pool_connections=2, pool_wait=0.3)
    key = f"yiwang:test:{uuid.uuid4().hex}"
    held = [cache.client.pubsub() for _ in range(2)]
    try:
        await cache.set(key, b"v", ttl=30)
        for pubsub in held:  # a subscription keeps its pooled connection
            await pubsub.subscribe(f"{key}:channel")
        # a command that a connection frees in time waits for it
        freed = asyncio.get_running_loop().call_later(
            0.1, lambda: asyncio.ensure_future(held.pop().aclose())
        )
        assert await cache.get(key) == b"v"
        freed.cancel()
        second = cache.client.pubsub()  # the freed connection taken again
        held.append(second)
        await second.subscribe(f"{key}:channel")
        with structlog.testing.capture_logs() as logs:
            assert await cache.get(key) is None  # past the wait: this call alone goes local
        assert [e["event"] for e in logs] == ["redis_pool_exhausted"]
        assert not cache.degraded
        with_session, _ = await cache.get_with_named(key, "x", "y")
        assert with_session == b"v"  # the guard's read still reaches Redis
    finally:
        for pubsub in held:
            await pubsub.aclose()
        await cache.delete(key)
        await cache.close()
