"""SAQ's Redis queue with one sweep of grace for a job caught mid-dequeue.

Written against SAQ 0.26.4. `RedisQueue.sweep` reads every id in the active list and
aborts (or retries) each job whose stored status is not `active`. A dequeue moves the
id into the active list (BLMOVE) *before* the worker writes `status=active`, so a sweep
that lands in between meets a job that is about to run with status `queued` and
finishes it as `aborted` ("swept") while or after it runs. A worker's first sweep and
its first dequeue start together, so every worker (re)start with jobs waiting risks it.

`GraceSweepQueue` lets such a job pass one sweep: the first sweep that meets it in the
active list with status `queued` sets a short-lived Redis key for that dequeue (job
key, enqueue time, last update, which a retry changes) and leaves the job alone; a
later sweep that still finds it there, still `queued`, with the key set, hands it to
SAQ, which aborts or retries it as before (a worker that died between BLMOVE and its
status write). The key lives in
Redis, not in the process, because any worker may run the next sweep. Everything else
(stuck active jobs, finished jobs left in the list, missing ids) is SAQ's code.

The override is the smallest piece SAQ offers: `sweep` reads the active list through
its Lua script (`self._cleanup_script`, registered lazily, called with `keys=[sweep
lock, active list]`, `args=[lock seconds]`) and then decides in Python; the grace
filters what the script returns, before SAQ's decision. If SAQ renames or reshapes
that script the wrapper is no longer called, and `tests/integration/runtime/jobs/
test_sweep_grace.py` fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import structlog
from saq import Job, Status
from saq.queue.redis import RedisQueue

if TYPE_CHECKING:
    from redis.asyncio.client import Redis
    from redis.commands.core import AsyncScript

log = structlog.get_logger(__name__)

#: how many sweep intervals a grace key outlives (the sweep lock is the interval: no
#: sweep runs while it is held); if it expires first, the job only gets one more sweep
GRACE_INTERVALS: Final = 3


class GraceSweepQueue(RedisQueue):
    """A `RedisQueue` whose sweep spares a just-dequeued job once (see the module)."""

    @property  # type: ignore[override]
    def _cleanup_script(self) -> _GraceScript | None:
        return self._grace_script

    @_cleanup_script.setter
    def _cleanup_script(self, script: AsyncScript | None) -> None:
        # SAQ sets None in __init__ and registers its script on the first sweep.
        self._grace_script = None if script is None else _GraceScript(self, script)

    def grace_key(self, job: Job) -> str:
        """The key marking one dequeue of a job as spared. A retry (which sets `touched`)
        or a new job under the same key (`queued`) is another dequeue, with a grace of its
        own; the spared job itself is not written, so the next sweep finds the same key."""
        return self.namespace(f"sweep_grace:{job.key}:{job.queued}:{job.touched}")


class _GraceScript:
    """SAQ's sweep script, minus the jobs this sweep spares."""

    def __init__(self, queue: GraceSweepQueue, script: AsyncScript) -> None:
        self.queue = queue
        self.script = script

    async def __call__(
        self, keys: list[str], args: list[int], client: Redis | None = None
    ) -> list[Any]:
        id_jobs: list[Any] = await self.script(keys=keys, args=args, client=client)
        ttl = max(1, int(args[0])) * GRACE_INTERVALS
        kept = []
        for job_id, job_bytes in id_jobs:
            job = self.queue.deserialize(job_bytes)
            if job is not None and job.status == Status.QUEUED:
                key = self.queue.grace_key(job)
                if await self.queue.redis.set(key, 1, nx=True, ex=ttl):
                    log.info("sweep_spared_dequeued_job", job=job.key)
                    continue
            kept.append([job_id, job_bytes])
        return kept
