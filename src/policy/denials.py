"""The guard's refusals of signed-in people, on the audit trail (等保 安全审计: access
control failures are recorded), without letting anyone flood it.

One record per account, route and window (a minute): the first refusal of a
window counts 1 in Redis (`INCR`, shared by every worker) and schedules the
record for the window's end; later refusals of the window only count. At the
end the count is read and one `access.denied` record written, naming the
actor as every audit record does (the login), the tenant, the route's method
and template, the permission asked for, the answer (403, or 404 for staff
with no role there) and how many times. The record is written in a
transaction of its own, long after the refused request ended, so it never
joins the request's unit of work. Anonymous callers (401) are not recorded.

When Redis is down each worker counts on its own, so a window may give one
record per worker. Records of windows still open are written when the
process stops (`close`); a process killed outright loses those.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform import audit
from yiwang.platform.cache import Cache

log = structlog.get_logger(__name__)

WINDOW_SECONDS: Final = 60.0
#: the counter outlives its window by this much (a late flush still finds it)
KEY_TTL: Final = 3600


@dataclass(frozen=True)
class Denial:
    """One refusal as the guard saw it."""

    actor: str
    account_id: int
    tenant_id: int | None
    method: str
    route: str
    object: str
    action: str
    #: the error code answered (`auth.forbidden`, `not_found`, ...)
    code: str
    status: int


class DenialLog:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cache: Cache,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.cache = cache
        self.window = window
        self.clock = clock
        self._pending: dict[str, tuple[asyncio.Task[None], Denial, float]] = {}

    def _key(self, denial: Denial, start: float) -> str:
        route = hashlib.sha256(f"{denial.method} {denial.route}".encode()).hexdigest()[:16]
        return f"yiwang:denied:{denial.account_id}:{route}:{int(start)}"

    async def refused(self, denial: Denial) -> None:
        """Count one refusal; the first of its window schedules the window's record."""
        now = self.clock()
        start = now - now % self.window
        key = self._key(denial, start)
        try:
            count = await self.cache.incr(key, ttl=KEY_TTL)
        except Exception:  # never let the record of a refusal change the refusal
            log.warning("denial_count_failed", route=denial.route)
            return
        if count == 1 and key not in self._pending:
            wait = start + self.window - now
            task = asyncio.get_running_loop().create_task(self._later(key, wait))
            self._pending[key] = (task, denial, start)

    async def _later(self, key: str, wait: float) -> None:
        await asyncio.sleep(wait)
        # once begun, a record is written whole, even if `flush` cancels the timer meanwhile
        await asyncio.shield(self._write(key))

    async def _write(self, key: str) -> None:
        found = self._pending.pop(key, None)
        if found is None:
            return
        _, denial, start = found
        try:
            raw = await self.cache.get(key)
            count = int(raw or b"1")
            async with self.sessions() as session, session.begin():
                await audit.record(
                    session,
                    actor=denial.actor,
                    action="access.denied",
                    object_type="route",
                    object_id=f"{denial.method} {denial.route}"[:300],
                    tenant_id=denial.tenant_id,
                    outcome="denied",
                    detail={
                        "object": denial.object,
                        "action": denial.action,
                        "code": denial.code,
                        "status": denial.status,
                        "count": count,
                        "window_start": datetime.fromtimestamp(start, UTC).isoformat(),
                        "window_seconds": self.window,
                    },
                )
        except Exception as exc:  # the database is down: the refusal stood, its record is lost
            log.warning(
                "denial_record_failed",
                route=denial.route,
                actor=denial.actor,
                error=f"{type(exc).__name__}: {str(exc)[:200]}",
            )

    async def flush(self) -> None:
        """Write the records of every window still open now (the process is stopping).

        Every timer is cancelled first; a timer that already fired has taken its key from
        `_pending` and writes its record itself, so it is simply not found here."""
        for task, _, _ in list(self._pending.values()):
            task.cancel()
        for key in list(self._pending):
            await self._write(key)

    async def close(self) -> None:
        await self.flush()
