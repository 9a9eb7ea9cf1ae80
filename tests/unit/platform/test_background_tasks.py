"""Background loops stop when cancelled, even when a library swallowed the cancellation
(a database call turning it into another error, a read with a timeout into "nothing"):
otherwise every shutdown waits for `stop_task`'s whole bound."""

from __future__ import annotations

import asyncio
import time

from yiwang.platform.cache import poll_forever, stop_task


async def test_a_poll_whose_refresh_swallows_the_cancel_still_stops() -> None:
    entered = asyncio.Event()
    swallowed: list[int] = []

    async def refresh() -> None:
        entered.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            if swallowed:  # the second cancel gets through, so a failing loop still ends
                raise
            swallowed.append(1)
            raise RuntimeError("Can't reconnect until invalid transaction is rolled back") from None

    task = asyncio.create_task(poll_forever(0.01, refresh, name="test"))
    await asyncio.wait_for(entered.wait(), 5)
    began = time.monotonic()
    await stop_task(task, within=2.0)
    assert task.done() and task.cancelled()
    assert time.monotonic() - began < 0.5


async def test_a_poll_between_refreshes_stops_at_once() -> None:
    called = asyncio.Event()

    async def refresh() -> None:
        called.set()

    task = asyncio.create_task(poll_forever(0.01, refresh, name="test"))
    await asyncio.wait_for(called.wait(), 5)
    began = time.monotonic()
    await stop_task(task, within=2.0)
    assert task.cancelled()
    assert time.monotonic() - began < 0.5
