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


async def test_the_idle_timeout_follows_the_current_policy_not_the_sign_in() -> None:
    """A role change re-checks the session: an administrator role granted since sign-in
    shortens the idle timeout at once, a revoked one lengthens it."""
    store, _, clock = make()
    token, _ = await store.create(1, "staff", admin=False)
    clock.advance(10 * 60)
    renewed = await store.get(token, admin_now=lambda account_id: account_id == 1)
    assert renewed is not None and renewed.admin and renewed.idle_seconds == 900
    clock.advance(16 * 60)
    assert await store.get(token, admin_now=lambda _: True) is None

    token, _ = await store.create(2, "staff", admin=True)
    demoted = await store.get(token, admin_now=lambda _: False)
    assert demoted is not None and not demoted.admin and demoted.idle_seconds == 1800


async def test_a_session_records_the_account_version_it_started_under() -> None:
    store, _, _ = make()
    token, _ = await store.create(1, "staff", admin=False, version=7, password_expired=True)
    found = await store.get(token)
    assert found is not None and (found.version, found.password_expired) == (7, True)
