"""The guard's refusals of signed-in people, on the audit trail (等保 安全审计: access
control failures are recorded), without letting anyone flood it.

One record per account, route and window (a minute): the first refusal of a
window counts 1 in Redis (`INCR`, shared by every worker) and schedules the
record for the window's end; later refusals of the window only count. At the
end the counts are read and one `access.denied` record a key written, naming
the actor as every audit record does (the login), the tenant, the route's
method and template, the permission asked for, the answer (403, or 404 for
staff with no role there) and how many times. Anonymous callers (401) are not
recorded.

A window's records are written together, by one timer: the counts in one
`MGET`, the records `CHUNK` to a transaction of their own, long after the
refused requests ended, so they never join a request's unit of work. A timer
per record would fire all at once at the minute's end: someone refused on a
hundred routes in a minute then held a hundred Redis and database connections
at the same moment, enough to exhaust the pools the process's requests need.

When Redis is down each worker counts on its own, so a window may give one
record per worker. Records of windows still open are written when the
process stops (`close`); a process killed outright loses those.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
#: records a transaction writes at most (a window may hold many accounts' refusals)
CHUNK: Final = 200


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


@dataclass
class _Window:
    """The refusals first seen in one window, by counter key, and the timer that writes them."""

    start: float
    denials: dict[str, Denial] = field(default_factory=dict)
    timer: asyncio.Task[None] | None = None


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
        self._windows: dict[float, _Window] = {}

    def _key(self, denial: Denial, start: float) -> str:
        route = hashlib.sha256(f"{denial.method} {denial.route}".encode()).hexdigest()[:16]
        return f"yiwang:denied:{denial.account_id}:{route}:{int(start)}"

    async def refused(self, denial: Denial) -> None:
        """Count one refusal; the first of its window joins the window's records."""
        now = self.clock()
        start = now - now % self.window
        key = self._key(denial, start)
        try:
            count = await self.cache.incr(key, ttl=KEY_TTL)
        except Exception:  # never let the record of a refusal change the refusal
            log.warning("denial_count_failed", route=denial.route)
            return
        if count != 1:
            return
        window = self._windows.get(start)
        if window is None:
            window = self._windows[start] = _Window(start)
            wait = start + self.window - now
            window.timer = asyncio.get_running_loop().create_task(self._later(start, wait))
        window.denials.setdefault(key, denial)

    async def _later(self, start: float, wait: float) -> None:
        await asyncio.sleep(wait)
        # once begun, a window is written whole, even if `flush` cancels the timer meanwhile
        await asyncio.shield(self._write(start))

    async def _write(self, start: float) -> None:
        window = self._windows.pop(start, None)
        if window is None:
            return
        keys = list(window.denials)
        try:
            counts = await self.cache.get_many(keys)
        except Exception:  # the counts are lost, not the records: each says at least once
            counts = [None] * len(keys)
        found = [
            (window.denials[key], int(raw or b"1")) for key, raw in zip(keys, counts, strict=True)
        ]
        for first in range(0, len(found), CHUNK):
            await self._append(found[first : first + CHUNK], start)

    async def _append(self, chunk: list[tuple[Denial, int]], start: float) -> None:
        window_start = datetime.fromtimestamp(start, UTC).isoformat()
        entries = [
            audit.entry(
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
                    "window_start": window_start,
                    "window_seconds": self.window,
                },
            )
            for denial, count in chunk
        ]
        try:
            async with self.sessions() as session, session.begin():
                await audit.record_many(session, entries)
        except Exception as exc:  # the database is down: the refusals stood, their records are lost
            for denial, _ in chunk:
                log.warning(
                    "denial_record_failed",
                    route=denial.route,
                    actor=denial.actor,
                    error=f"{type(exc).__name__}: {str(exc)[:200]}",
                )

    async def flush(self) -> None:
        """Write the records of every window still open now (the process is stopping).

        Every timer is cancelled first; a timer that already fired has taken its window
        from `_windows` and writes its records itself, so it is simply not found here."""
        for window in list(self._windows.values()):
            if window.timer is not None:
                window.timer.cancel()
        for start in list(self._windows):
            await self._write(start)

    async def close(self) -> None:
        await self.flush()
