from __future__ import annotations

import pytest

from tests.unit.policy.identity.fakes import FakeClock, FakeRedis
from yiwang.platform.errors import RateLimited, ServiceUnavailable
from yiwang.policy.identity.ratelimit import RateLimiter, RateRule

RULE = RateRule("login_account", limit=3, window_seconds=60)
IP_RULE = RateRule("login_ip", limit=5, window_seconds=60)


def make() -> tuple[RateLimiter, FakeRedis, FakeClock]:
    clock = FakeClock(1_800_000_000.0)
    redis = FakeRedis(clock)
    return RateLimiter(redis, clock=clock), redis, clock  # type: ignore[arg-type]


async def test_hits_up_to_the_limit_pass_then_are_refused() -> None:
    limiter, _, _ = make()
    assert [await limiter.hit(RULE, "alice") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited) as info:
        await limiter.hit(RULE, "alice")
    assert info.value.code == "identity.rate_limited"
    assert 1 <= info.value.params["retry_after"] <= 60
    assert info.value.status == 429


async def test_keys_are_independent() -> None:
    limiter, _, _ = make()
    for _ in range(3):
        await limiter.hit(RULE, "alice")
    assert await limiter.hit(RULE, "bob") == 1


async def test_a_new_window_starts_afresh_and_counters_expire() -> None:
    limiter, redis, clock = make()
    for _ in range(3):
        await limiter.hit(RULE, "alice")
    clock.advance(61)
    assert await limiter.hit(RULE, "alice") == 1
    assert all(exp is not None for _, exp in redis.data.values()), "every counter has a TTL"
    clock.advance(200)
    assert [await redis.get(k) for k in list(redis.data)] == [None, None]


async def test_redis_down_fails_closed() -> None:
    limiter, redis, _ = make()
    redis.down = True
    with pytest.raises(ServiceUnavailable) as info:
        await limiter.hit(RULE, "alice")
    assert info.value.code == "identity.security_unavailable"
    assert "拒绝" in info.value.message()


async def test_hit_all_counts_every_rule_even_when_one_refuses() -> None:
    limiter, _, _ = make()
    for _ in range(3):
        await limiter.hit(RULE, "alice")
    with pytest.raises(RateLimited):
        await limiter.hit_all([(RULE, "alice"), (IP_RULE, "10.0.0.1")])
    # The IP counter moved although the account rule refused first.
    assert await limiter.hit(IP_RULE, "10.0.0.1") == 2


async def test_reset_forgets_the_current_window() -> None:
    limiter, _, _ = make()
    for _ in range(3):
        await limiter.hit(RULE, "alice")
    await limiter.reset(RULE, "alice")
    assert await limiter.hit(RULE, "alice") == 1
