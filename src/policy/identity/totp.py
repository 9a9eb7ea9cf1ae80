"""TOTP second factor (RFC 6238) with one-time use.

A code is valid for its 30-second step and, to allow for clock drift, one step
either side. RFC 6238 section 5.2 asks that a code accepted once is never
accepted again, so each accepted (account, step) pair is recorded in a store
shared by every worker, with `SET NX`: the first worker to record it wins and
a replay on any worker fails. The store must fail closed, like the rate limiter:
when it cannot be reached the code is refused, never accepted twice.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Protocol

import pyotp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from yiwang.platform.errors import InvalidInput, ServiceUnavailable

#: name shown in authenticator apps
ISSUER = "一网政务服务"


class UsedCodeStore(Protocol):
    """Remembers which (account, time step) codes were already accepted."""

    async def mark_used(self, key: str, ttl_seconds: int) -> bool:
        """Record `key`; True if it was not recorded before (first use)."""
        ...


class RedisUsedCodeStore:
    """The shared store: one key per accepted code, expiring after its window."""

    def __init__(self, client: Redis, prefix: str = "yiwang:totp:used:") -> None:
        self._client = client
        self._prefix = prefix

    async def mark_used(self, key: str, ttl_seconds: int) -> bool:
        try:
            created = await self._client.set(self._prefix + key, b"1", nx=True, ex=ttl_seconds)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
        return bool(created)


class MemoryUsedCodeStore:
    """A per-process store for tests and single-process development."""

    def __init__(self) -> None:
        self._used: dict[str, float] = {}

    async def mark_used(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        self._used = {k: exp for k, exp in self._used.items() if exp > now}
        if key in self._used:
            return False
        self._used[key] = now + ttl_seconds
        return True


def used_key(account_id: int, secret: str) -> str:
    """Where an account's accepted codes of one secret are recorded.

    Per secret: a code is never accepted twice (RFC 6238, 5.2), while a newly
    enrolled authenticator's current code works at once even if the old one's
    code of the same time step was just used.
    """
    fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:12]
    return f"account:{account_id}:{fingerprint}"


def new_secret() -> str:
    """A fresh 160-bit base32 secret, as authenticator apps expect."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account_name: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI shown as a QR code when enrolling."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer))


class TotpVerifier:
    """Verifies TOTP codes and refuses any code already used."""

    def __init__(
        self,
        store: UsedCodeStore,
        *,
        interval: int = 30,
        digits: int = 6,
        drift_steps: int = 1,
    ) -> None:
        self._store = store
        self.interval = interval
        self.digits = digits
        self.drift_steps = drift_steps

    def code_at(self, secret: str, at: float) -> str:
        """The code for the time `at` (used by tests and enrolment checks)."""
        return str(pyotp.TOTP(secret, digits=self.digits, interval=self.interval).at(int(at)))

    def _matching_step(self, secret: str, code: str, at: float) -> int | None:
        totp = pyotp.TOTP(secret, digits=self.digits, interval=self.interval)
        current = int(at) // self.interval
        for step in range(current - self.drift_steps, current + self.drift_steps + 1):
            expected = str(totp.at(step * self.interval))
            if hmac.compare_digest(expected, code):
                return step
        return None

    def step_of(self, secret: str, code: str, *, at: float | None = None) -> int | None:
        """The time step `code` belongs to within the drift window, or None.

        Pure: nothing is recorded, so a sign-in can compute it whether or not
        the password was right and spend the same time either way.
        """
        cleaned = code.strip().replace(" ", "")
        if len(cleaned) != self.digits or not cleaned.isdigit():
            return None
        return self._matching_step(secret, cleaned, time.time() if at is None else at)

    async def consume(self, account_key: str, step: int) -> bool:
        """Record the code of `step` as used; False when it was used before (a replay)."""
        # The key lives as long as any step in the window could still match it.
        ttl = self.interval * (2 * self.drift_steps + 2)
        return await self._store.mark_used(f"{account_key}:{step}", ttl)

    async def verify(
        self, account_key: str, secret: str, code: str, *, at: float | None = None
    ) -> None:
        """Accept `code` once for this account, or raise.

        Raises `InvalidInput("identity.totp_invalid")` for a wrong or expired
        code and `InvalidInput("identity.totp_reused")` for a replayed one.
        """
        step = self.step_of(secret, code, at=at)
        if step is None:
            raise InvalidInput("identity.totp_invalid", pointer="/totp")
        if not await self.consume(account_key, step):
            raise InvalidInput("identity.totp_reused", pointer="/totp")
