"""The sweep's grace for a job caught mid-dequeue, on the real Redis: SAQ's own queue
aborts such a job at once (the bug), ours spares it one sweep, and everything else is
still swept as SAQ sweeps it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from saq import Job, Status, Worker
from saq.queue.redis import RedisQueue
from saq.utils import now

from yiwang.platform.settings import Settings
from yiwang.runtime.jobs.sweep_grace import GraceSweepQueue

#: how long a sweep waits for the job it aborts to finish (SAQ's default is 5 s)
ABORT_WAIT = 0.1


async def _drop(queue: RedisQueue) -> None:
    keys = [k async for k in queue.redis.scan_iter(f"saq:{queue.name}:*")]
    keys += [k async for k in queue.redis.scan_iter(queue.job_id("*"))]
    if keys:
        await queue.redis.delete(*keys)
    await queue.disconnect()


@pytest.fixture
async def queues() -> AsyncIterator[Callable[[type[RedisQueue]], RedisQueue]]:
    """Queues of a given class on the test Redis, each under a name of its own, removed
    with their keys afterwards."""
    made: list[RedisQueue] = []

    def make(cls: type[RedisQueue]) -> RedisQueue:
        made.append(cls.from_url(Settings.from_env().redis_url, name=f"t-{uuid.uuid4().hex[:8]}"))
        return made[-1]

    yield make
    for queue in made:
        await _drop(queue)


async def _mid_dequeue(queue: RedisQueue, retries: int = 0) -> Job:
    """A waiting job a worker has just dequeued: its id moved to the active list by
    BLMOVE and read back, its status not yet written `active`."""
    await queue.enqueue(Job("work", key=f"job-{uuid.uuid4().hex[:6]}", retries=retries))
    taken = await queue.dequeue()
    assert taken is not None and taken.status == Status.QUEUED
    return taken


async def _active_ids(queue: RedisQueue) -> list[str]:
    return [i.decode() for i in await queue.redis.lrange(queue.namespace("active"), 0, -1)]


async def _later(queue: RedisQueue) -> None:
    """As if the sweep interval had passed: the sweep lock that keeps sweeps apart gone."""
    await queue.redis.delete(queue.namespace("sweep"))


async def test_saqs_own_queue_aborts_a_job_met_mid_dequeue(
    queues: Callable[[type[RedisQueue]], RedisQueue],
) -> None:
    """The bug the grace exists for (SAQ 0.26.4); if this fails, SAQ fixed it upstream and
    `sweep_grace` can go."""
    queue = queues(RedisQueue)
    job = await _mid_dequeue(queue)
    assert await queue.sweep(lock=1, abort=ABORT_WAIT) == [job.id]
    stored = await queue.job(job.key)
    assert stored is not None and (stored.status, stored.error) == (Status.ABORTED, "swept")


@pytest.mark.parametrize(
    ("retries", "status", "list_name"),
    [(0, Status.ABORTED, None), (2, Status.QUEUED, "queued")],
    ids=["aborted", "retried"],
)
async def test_a_job_met_mid_dequeue_is_spared_once_then_swept(
    queues: Callable[[type[RedisQueue]], RedisQueue],
    retries: int,
    status: Status,
    list_name: str | None,
) -> None:
    queue = queues(GraceSweepQueue)
    job = await _mid_dequeue(queue, retries)
    assert await queue.sweep(lock=1, abort=ABORT_WAIT) == []
    spared = await queue.job(job.key)
    assert spared is not None and (spared.status, spared.error) == (Status.QUEUED, None)
    assert await _active_ids(queue) == [job.id]
    # Still there and still queued at the next sweep: its worker died before writing
    # `active`, and SAQ aborts or retries it as it always did.
    await _later(queue)
    assert await queue.sweep(lock=1, abort=ABORT_WAIT) == [job.id]
    swept = await queue.job(job.key)
    assert swept is not None and (swept.status, swept.error) == (status, "swept")
    assert await _active_ids(queue) == []
    if list_name is not None:
        waiting = await queue.redis.lrange(queue.namespace(list_name), 0, -1)
        assert [i.decode() for i in waiting] == [job.id]


async def test_a_retried_job_met_mid_dequeue_again_gets_its_own_grace(
    queues: Callable[[type[RedisQueue]], RedisQueue],
) -> None:
    """The grace is per dequeue: the attempt a sweep retried is spared when it is met
    between its own dequeue and status write."""
    queue = queues(GraceSweepQueue)
    job = await _mid_dequeue(queue, retries=2)
    assert await queue.sweep(lock=1, abort=ABORT_WAIT) == []
    await _later(queue)
    assert await queue.sweep(lock=1, abort=ABORT_WAIT) == [job.id]  # retried
    again = await queue.dequeue()
    assert again is not None and (again.key, again.attempts) == (job.key, 0)
    await _later(queue)
    assert await queue.sweep(lock=1, abort=ABORT_WAIT) == []
    assert await _active_ids(queue) == [job.id]


async def test_stuck_finished_and_missing_entries_are_still_swept(
    queues: Callable[[type[RedisQueue]], RedisQueue],
) -> None:
    queue = queues(GraceSweepQueue)
    stuck = await _mid_dequeue(queue)
    await queue.update(stuck, status=Status.ACTIVE, timeout=1, started=now() - 5_000)
    running = await _mid_dequeue(queue)
    await queue.update(running, status=Status.ACTIVE, timeout=60, started=now())
    left = await _mid_dequeue(queue)
    await queue.update(left, status=Status.COMPLETE)
    missing = queue.job_id("never-stored")
    await queue.redis.rpush(queue.namespace("active"), missing)

    swept = await queue.sweep(lock=1, abort=ABORT_WAIT)

    assert sorted(swept) == sorted([stuck.id, left.id, missing])
    found = {j.key: (j.status, j.error) for j in await queue.jobs([stuck.key, running.key])}
    assert found == {
        stuck.key: (Status.ABORTED, "swept"),
        running.key: (Status.ACTIVE, None),
    }
    assert await _active_ids(queue) == [running.id]


class _Startup:
    """Drives a worker's start into the race, the same way every run: its first sweep reads
    the active list right after the first dequeue's BLMOVE and before the worker writes
    `active`; whatever that sweep aborts, it aborts once the job has finished (as a sweep
    waiting on its Redis round trips does while a short job runs)."""

    moved: asyncio.Event
    decided: asyncio.Event
    finished: asyncio.Event
    swept: asyncio.Future[list[str]]

    def race(self) -> None:
        self.moved = asyncio.Event()
        self.decided = asyncio.Event()
        self.finished = asyncio.Event()
        self.swept = asyncio.get_running_loop().create_future()

    async def dequeue(
        self,
        timeout: float = 0.0,  # noqa: ASYNC109  (SAQ's signature)
        poll_interval: float = 0.0,
    ) -> Job | None:
        job: Job | None = await super().dequeue(timeout, poll_interval)  # type: ignore[misc]
        if job is not None and not self.moved.is_set():
            self.moved.set()
            await self.decided.wait()
        return job

    async def sweep(self, lock: int = 60, abort: float = 5.0) -> list[str]:
        await self.moved.wait()
        try:
            swept: list[str] = await super().sweep(lock, ABORT_WAIT)  # type: ignore[misc]
        finally:
            self.decided.set()
        if not self.swept.done():
            self.swept.set_result(swept)
        return swept

    async def abort(self, job: Job, error: str, ttl: float = 5) -> None:
        self.decided.set()
        await self.finished.wait()
        await super().abort(job, error, ttl)  # type: ignore[misc]


class _SaqStartup(_Startup, RedisQueue):
    pass


class _GraceStartup(_Startup, GraceSweepQueue):
    pass


async def _start_with_a_waiting_job(queue: _Startup) -> tuple[Job | None, list[str], int]:
    """Enqueue a job, then start a worker; returns the job as stored once the worker ran it
    and its first sweep is done, what that sweep swept, and how often the job ran."""
    assert isinstance(queue, RedisQueue)
    queue.race()
    runs: list[int] = []

    async def work(ctx: dict[str, Any]) -> dict[str, int]:
        runs.append(1)
        return {"done": 1, "total": 1}

    async def after(ctx: dict[str, Any]) -> None:
        queue.finished.set()

    # SAQ keeps a swept job's abort key for 5 s under the bare job key: a key of its own
    job = await queue.enqueue(
        Job(work.__qualname__, key=f"onboarding-{uuid.uuid4().hex[:6]}", retries=0)
    )
    assert job is not None
    worker = Worker(
        queue,
        [work],
        concurrency=1,
        after_process=[after],
        timers={"sweep": 60, "abort": 60, "schedule": 60, "worker_info": 60},
        dequeue_timeout=0.2,  # a blocked BLMOVE outlives its cancellation: stop promptly
    )
    worker.SIGNALS = []
    running = asyncio.create_task(worker.start())
    try:
        await asyncio.wait_for(queue.finished.wait(), 30)
        swept = await asyncio.wait_for(queue.swept, 30)
    finally:
        await worker.stop()
        await asyncio.wait_for(running, 10)
    return await queue.job(job.key), swept, len(runs)


async def test_saqs_own_queue_aborts_what_a_starting_worker_ran(
    queues: Callable[[type[RedisQueue]], RedisQueue],
) -> None:
    """The admin walk's 1 / 1, then 已中止: the race reproduced on SAQ's queue (0.26.4)."""
    queue = queues(_SaqStartup)
    assert isinstance(queue, _Startup)
    stored, swept, runs = await _start_with_a_waiting_job(queue)
    assert stored is not None and (stored.status, stored.error) == (Status.ABORTED, "swept")
    assert (swept, runs) == ([stored.id], 1)


async def test_a_starting_worker_runs_a_waiting_job_to_complete(
    queues: Callable[[type[RedisQueue]], RedisQueue],
) -> None:
    queue = queues(_GraceStartup)
    assert isinstance(queue, _Startup)
    stored, swept, runs = await _start_with_a_waiting_job(queue)
    assert stored is not None
    assert (stored.status, stored.error, stored.result) == (
        Status.COMPLETE,
        None,
        {"done": 1, "total": 1},
    )
    assert (swept, runs, stored.attempts) == ([], 1, 1)
