from __future__ import annotations

from tests.unit.policy.identity.fakes import FakeClock, FakeRedis
from yiwang.platform.cache import Cache
from yiwang.policy.identity.sessions import SessionStore


def make() -> tuple[SessionStore, FakeRedis, FakeClock]:
    clock = FakeClock()
    redis = FakeRedis(clock)
    cache = Cache("redis://127.0.0.1:1/0")
    cache.client = redis  # type: ignore[assignment]
    return SessionStore(cache, clock=clock), redis, clock


async def test_staff_idle_timeout_is_30_minutes() -> None:
    store, _, clock = make()
    token, session = await store.create(1, "staff", admin=False)
    assert session.idle_seconds == 1800
    clock.advance(29 * 60)
    assert await store.get(token) is not None  # activity restarts the idle clock
    clock.advance(29 * 60)
    assert await store.get(token) is not None
    clock.advance(30 * 60 + 1)
    assert await store.get(token) is None


async def test_admin_idle_timeout_is_15_minutes() -> None:
    store, _, clock = make()
    token, _ = await store.create(1, "staff", admin=True)
    clock.advance(14 * 60)
    assert await store.get(token) is not None
    clock.advance(15 * 60 + 1)
    assert await store.get(token) is None


async def test_absolute_timeout_is_12_hours_even_when_active() -> None:
    store, _, clock = make()
    token, _ = await store.create(1, "staff", admin=False)
    for _ in range(12 * 6 - 1):
        clock.advance(600)
        assert await store.get(token) is not None
    clock.advance(600)
    assert await store.get(token) is None


async def test_logout_removes_the_key() -> None:
    store, redis, _ = make()
    token, _ = await store.create(7, "citizen", admin=False)
    assert len(redis.data) == 1
    key = next(iter(redis.data))
    assert token not in key, "only the token's hash is stored"
    await store.delete(token)
    assert redis.data == {}
    assert await store.get(token) is None


async def test_unknown_token() -> None:
    store, _, _ = make()
    assert await store.get("nope") is None
