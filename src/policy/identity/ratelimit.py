"""Rate limits on logins and SMS sending, per account and per IP, in Redis.

Fixed windows: a counter per (rule, key, window) created with its expiry and
incremented in one MULTI/EXEC, so a crash can never leave a counter without a
TTL. Unlike caches, the limiter fails CLOSED: if Redis cannot be reached the
attempt is refused, because an attacker who can knock Redis over must not
thereby get unlimited password guesses or free SMS.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from yiwang.platform.errors import RateLimited, ServiceUnavailable


@dataclass(frozen=True)
class RateRule:
    """At most `limit` hits per `window_seconds` for one key of this rule."""

    name: str
    limit: int
    window_seconds: int


# Defaults; a deployment may pass its own rules.
LOGIN_PER_IP = RateRule("login_ip", limit=100, window_seconds=15 * 60)
SMS_PER_PHONE_MINUTE = RateRule("sms_phone_minute", limit=1, window_seconds=60)
SMS_PER_PHONE_DAY = RateRule("sms_phone_day", limit=10, window_seconds=24 * 3600)
SMS_PER_IP = RateRule("sms_ip", limit=30, window_seconds=3600)


class RateLimiter:
    """Counts hits in Redis and refuses those over the limit."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "yiwang:rate:",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._now = clock or time.time

    async def hit(self, rule: RateRule, key: str) -> int:
        """Count one attempt; raise `RateLimited` over the limit, `ServiceUnavailable` if down."""
        now = self._now()
        window = int(now // rule.window_seconds)
        redis_key = f"{self._prefix}{rule.name}:{key}:{window}"
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(redis_key, 0, nx=True, ex=rule.window_seconds + 1)
                pipe.incr(redis_key)
                results = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
        count = int(results[1])
        if count > rule.limit:
            retry_after = max(1, math.ceil((window + 1) * rule.window_seconds - now))
            raise RateLimited("identity.rate_limited", retry_after=retry_after)
        return count

    async def hit_all(self, hits: Iterable[tuple[RateRule, str]]) -> None:
        """Count one attempt against several rules; every counter is incremented first.

        All counters move even when an earlier one is over its limit, so an
        attacker cannot spread guesses across accounts to dodge the IP limit.
        """
        refused: RateLimited | None = None
        for rule, key in hits:
            try:
                await self.hit(rule, key)
            except RateLimited as exc:
                refused = refused or exc
        if refused is not None:
            raise refused

    async def reset(self, rule: RateRule, key: str) -> None:
        """Forget the current window of `key` (after a successful login, for instance)."""
        window = int(self._now() // rule.window_seconds)
        try:
            await self._client.delete(f"{self._prefix}{rule.name}:{key}:{window}")
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
