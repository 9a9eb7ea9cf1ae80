"""Throttling sign-in attempts so that nobody can guess fast, and nobody can lock
out the person whose account it is.

Three limits, strictest last:

- **by source**: every sign-in from one address counts against a window
  (`LOGIN_PER_IP`), whatever login it names;
- **by login and source**: after `free_failures` failures of one login from
  one address, each further attempt from there waits twice as long as the one
  before (1 s, 2 s, 4 s ... at most `max_delay_seconds`), counted from the
  last failure. An attacker's address slows down; the holder, elsewhere, does
  not. The counter is keyed by a hash of the login as typed, so an unknown
  login throttles exactly like a real one;
- **by account** (the limit on failed attempts 等保 asks for): after
  `LockoutRules.max_failures` failures from anywhere, the account is locked
  for `lock_minutes` against any attempt that does not carry a valid second
  factor. The holder unlocks it by signing in with their TOTP code; an
  attacker, who lacks it, cannot. (Legal persons have no second factor yet:
  for them the lock holds until it expires.)

A refused attempt is answered 429 with the seconds to wait, before any
factor is examined, so the answer depends only on failures the caller has
already seen. Like rate limits, the throttle fails closed when Redis is down.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from yiwang.platform.errors import RateLimited, ServiceUnavailable
from yiwang.policy.identity.ratelimit import LOGIN_PER_IP, RateLimiter, RateRule


@dataclass(frozen=True)
class ThrottleRules:
    #: failures of one login from one address before delays start
    free_failures: int = 3
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 300.0
    #: how long a login's failures from an address are remembered after the last one
    memory_seconds: int = 24 * 3600
    per_source: RateRule = LOGIN_PER_IP


def delay_after(failures: int, rules: ThrottleRules) -> float:
    """Seconds an attempt must wait after `failures` failures of the same login and source."""
    if failures < rules.free_failures:
        return 0.0
    return float(
        min(
            rules.max_delay_seconds,
            rules.base_delay_seconds * 2 ** (failures - rules.free_failures),
        )
    )


def login_key(login: str) -> str:
    """Throttle keys never hold a login or a phone number in the clear."""
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


class SignInThrottle:
    def __init__(
        self,
        client: Redis,
        limiter: RateLimiter,
        rules: ThrottleRules | None = None,
        *,
        prefix: str = "yiwang:throttle:",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._client = client
        self._limiter = limiter
        self.rules = rules or ThrottleRules()
        self._prefix = prefix
        self._now = clock or time.time

    def _keys(self, key: str, source: str) -> tuple[str, str]:
        base = f"{self._prefix}{key}:{source}"
        return base + ":n", base + ":last"

    async def check(self, key: str, source: str) -> None:
        """Count the attempt against its source; refuse it while its delay runs."""
        await self._limiter.hit(self.rules.per_source, source)
        count_key, last_key = self._keys(key, source)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.get(count_key)
                pipe.get(last_key)
                count, last = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
        if count is None or last is None:
            return
        wait = delay_after(int(count), self.rules) - (self._now() - float(last))
        if wait > 0:
            raise RateLimited("identity.rate_limited", retry_after=max(1, math.ceil(wait)))

    async def failed(self, key: str, source: str) -> None:
        count_key, last_key = self._keys(key, source)
        memory = self.rules.memory_seconds
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.incr(count_key)
                pipe.expire(count_key, memory)
                pipe.set(last_key, repr(self._now()), ex=memory)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc

    async def succeeded(self, key: str, source: str) -> None:
        try:
            await self._client.delete(*self._keys(key, source))
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
