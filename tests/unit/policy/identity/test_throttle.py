"""Sign-in throttling by login and source: free failures, then doubling delays, per source."""

from __future__ import annotations

import pytest

from tests.unit.policy.identity.fakes import FakeClock, FakeRedis
from yiwang.platform.errors import RateLimited, ServiceUnavailable
from yiwang.policy.identity.ratelimit import RateLimiter, RateRule
from yiwang.policy.identity.throttle import SignInThrottle, ThrottleRules, delay_after, login_key

RULES = ThrottleRules(
    free_failures=3, max_delay_seconds=8, per_source=RateRule("login_ip", 1000, 900)
)


def make() -> tuple[SignInThrottle, FakeRedis, FakeClock]:
    clock = FakeClock()
    redis = FakeRedis(clock)
    limiter = RateLimiter(redis, clock=clock)  # type: ignore[arg-type]
    return SignInThrottle(redis, limiter, RULES, clock=clock), redis, clock  # type: ignore[arg-type]


def test_delays_double_after_the_free_failures_up_to_the_cap() -> None:
    assert [delay_after(n, RULES) for n in range(8)] == [0, 0, 0, 1, 2, 4, 8, 8]


async def test_an_attempt_waits_for_its_delay_then_passes() -> None:
    throttle, _, clock = make()
    key = login_key("zhangsan")
    for _ in range(3):
        await throttle.check(key, "10.0.0.1")
        await throttle.failed(key, "10.0.0.1")
    with pytest.raises(RateLimited) as info:
        await throttle.check(key, "10.0.0.1")
    assert info.value.params["retry_after"] == 1
    clock.advance(1.01)
    await throttle.check(key, "10.0.0.1")
    await throttle.failed(key, "10.0.0.1")
    clock.advance(1.5)
    with pytest.raises(RateLimited) as doubled:
        await throttle.check(key, "10.0.0.1")
    assert doubled.value.params["retry_after"] == 1  # 2 s after the failure, 1.5 s passed


async def test_other_sources_and_other_logins_are_not_slowed() -> None:
    throttle, _, _ = make()
    key = login_key("zhangsan")
    for _ in range(5):
        await throttle.failed(key, "10.0.0.1")
    with pytest.raises(RateLimited):
        await throttle.check(key, "10.0.0.1")
    await throttle.check(key, "10.0.0.2")  # the holder, elsewhere
    await throttle.check(login_key("lisi"), "10.0.0.1")


async def test_success_forgets_the_failures() -> None:
    throttle, _, _ = make()
    key = login_key("zhangsan")
    for _ in range(5):
        await throttle.failed(key, "10.0.0.1")
    await throttle.succeeded(key, "10.0.0.1")
    await throttle.check(key, "10.0.0.1")


async def test_keys_hold_no_login_and_the_throttle_fails_closed() -> None:
    throttle, redis, _ = make()
    key = login_key("13800138000")
    await throttle.failed(key, "10.0.0.1")
    assert not any("13800138000" in k for k in redis.data)
    redis.down = True
    with pytest.raises(ServiceUnavailable):
        await throttle.check(key, "10.0.0.1")
    with pytest.raises(ServiceUnavailable):
        await throttle.failed(key, "10.0.0.1")
