"""Writing the refusal records when the process stops, while their timers fire."""

from __future__ import annotations

import asyncio
from typing import Any

from structlog.testing import capture_logs

from yiwang.policy.denials import CHUNK, Denial, DenialLog


class Counts:
    """The counter half of the cache: what `DenialLog` asks of Redis."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    async def incr(self, key: str, ttl: int) -> int:
        self.values[key] = self.values.get(key, 0) + 1
        return self.values[key]

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        await asyncio.sleep(0.02)  # a round trip: other tasks run meanwhile
        return [None if (n := self.values.get(k)) is None else str(n).encode() for k in keys]


class Written:
    """Sessions that count how often a record was begun, then refuse (no database)."""

    def __init__(self) -> None:
        self.opened = 0

    def __call__(self) -> Any:
        self.opened += 1
        raise ConnectionError("no database in a unit test")


def denial(route: str) -> Denial:
    return Denial(
        actor="person:139****0001",
        account_id=7,
        tenant_id=3,
        method="GET",
        route=route,
        object="case",
        action="read",
        code="auth.forbidden",
        status=403,
    )


async def test_flush_writes_each_open_window_once_while_timers_fire() -> None:
    sessions = Written()
    clock = [100.0]
    log = DenialLog(sessions, Counts(), window=1.0, clock=lambda: clock[0])  # type: ignore[arg-type]
    await log.refused(denial("/a"))
    clock[0] = 101.98  # the second window's timer fires 20 ms from now, during the flush
    await log.refused(denial("/b"))
    clock[0] = 101.99
    await log.refused(denial("/c"))
    with capture_logs() as logged:  # the records fail (no database) and say so
        await log.close()
        await asyncio.sleep(0.05)
    assert log._windows == {}
    assert sessions.opened == 2  # one transaction per window, none twice, none lost
    assert sorted(e["route"] for e in logged if e["event"] == "denial_record_failed") == [
        "/a",
        "/b",
        "/c",
    ]


async def test_a_window_of_many_refusals_is_written_by_one_timer_in_bounded_transactions() -> None:
    """Someone refused on many routes in a minute: the minute's end writes the records
    from one task, `CHUNK` to a transaction, instead of a task a record all at once
    (which held as many Redis and database connections at the same moment)."""
    sessions = Written()
    log = DenialLog(sessions, Counts(), window=0.2)  # type: ignore[arg-type]
    for n in range(2 * CHUNK + 1):
        await log.refused(denial(f"/r{n}"))
    [window] = log._windows.values()
    assert len(window.denials) == 2 * CHUNK + 1
    timers = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    assert timers == {window.timer}
    with capture_logs() as logged:
        async with asyncio.timeout(2):
            await asyncio.shield(window.timer)  # type: ignore[arg-type]
    assert sessions.opened == 3  # 2 × CHUNK + 1 records: three transactions
    assert len([e for e in logged if e["event"] == "denial_record_failed"]) == 2 * CHUNK + 1
    assert log._windows == {}
