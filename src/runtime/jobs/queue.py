"""The job queue: enqueue a definition, read a job's status; SAQ or inline.

With SAQ (`queue` and `in_process` modes) a job is a Redis entry a worker
takes; its progress and result stay readable for the job's `ttl` after it
ends. In `inline` mode, and whenever Redis cannot be reached, the job runs at
once in this process and its status is kept in memory here (the last
`INLINE_KEPT` jobs), so the status endpoint answers the same either way.

Jobs are enqueued after the unit of work that asks for them commits
(`enqueue_after`): a worker must find the rows the job is about.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import structlog
from redis.exceptions import RedisError
from saq import Job, Status

from yiwang.platform.actors import SYSTEM, account_actor
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.jobs.definitions import JobDefinition
from yiwang.runtime.jobs.errors import QueueUnavailable
from yiwang.runtime.jobs.runs import JobRun, ProgressSink
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.jobs.sweep_grace import GraceSweepQueue

if TYPE_CHECKING:
    from yiwang.runtime.jobs.runs import JobServices

log = structlog.get_logger(__name__)

INLINE_KEPT: Final = 1000
#: how long a finished job's status stays readable (seconds)
RESULT_TTL: Final = 3600
#: an export job's status outlives its file by this much (seconds): a download after the
#: retention sweep answers "expired" for a day before it is "no such export" (an import's
#: outlives its abandoned upload by as much: its page says the file is gone)
EXPORT_STATUS_MARGIN: Final = 86400
TERMINAL: Final = frozenset({"complete", "failed", "aborted"})
_STATES: Final = {
    Status.NEW: "queued",
    Status.QUEUED: "queued",
    Status.ACTIVE: "active",
    Status.ABORTING: "active",
    Status.COMPLETE: "complete",
    Status.FAILED: "failed",
    Status.ABORTED: "aborted",
}


SYSTEM_OWNER: Final = SYSTEM


def owner_of(account_id: int | None) -> str:
    """Whom a job belongs to: the account that asked for it, or `system` (nobody may read
    a system job's status through the API)."""
    return account_actor(account_id) if account_id is not None else SYSTEM_OWNER


@dataclass(frozen=True)
class JobStatus:
    id: str
    kind: str
    #: queued | active | complete | failed | aborted
    state: str
    progress: float
    #: what the job last reported (`done`, `total`, ...)
    detail: dict[str, Any] = field(default_factory=dict)
    #: the definition's result, once complete
    result: dict[str, Any] | None = None
    #: whom the job belongs to (`account:<id>`, `system`)
    owner: str | None = None
    #: when it ended (epoch seconds), once it has
    ended_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL


def status_of(job: Job) -> JobStatus:
    state = _STATES.get(job.status, "queued")
    return JobStatus(
        id=job.key,
        kind=job.function,
        state=state,
        progress=float(job.progress),
        detail=dict(job.meta.get("progress") or {}),
        # never the error text: SAQ keeps a traceback there
        result=job.result if state == "complete" and isinstance(job.result, dict) else None,
        owner=job.meta.get("owner"),
        ended_at=job.completed / 1000 if state in TERMINAL and job.completed else None,
    )


class SaqProgress(ProgressSink):
    def __init__(self, job: Job) -> None:
        self.job = job

    async def write(self, fraction: float, detail: dict[str, Any]) -> None:
        await self.job.update(progress=fraction, meta={**self.job.meta, "progress": detail})


class _InlineProgress(ProgressSink):
    def __init__(self, queue: JobQueue, key: str) -> None:
        self.queue = queue
        self.key = key

    async def write(self, fraction: float, detail: dict[str, Any]) -> None:
        found = self.queue._inline.get(self.key)
        if found is not None:
            self.queue._keep(replace(found, progress=fraction, detail=detail))


class JobQueue:
    def __init__(self, settings: JobSettings, saq: GraceSweepQueue | None) -> None:
        self.settings = settings
        #: the SAQ queue (ours: its sweep spares a job caught mid-dequeue); None in inline mode
        self.saq = saq
        self._inline: OrderedDict[str, JobStatus] = OrderedDict()
        self._services: JobServices | None = None

    def bind(self, services: JobServices) -> None:
        """The services inline runs use (built after the queue: they hold it)."""
        self._services = services

    @property
    def services(self) -> JobServices:
        if self._services is None:
            raise RuntimeError("the job queue was not bound to its services")
        return self._services

    def enqueue_after(
        self,
        uow: UnitOfWork,
        definition: JobDefinition,
        *,
        key: str,
        owner: str,
        kwargs: dict[str, Any],
    ) -> str:
        """Enqueue once `uow` has committed; returns the job's id at once."""

        async def enqueue() -> None:
            await self.enqueue(definition, key=key, owner=owner, kwargs=kwargs)

        uow.after_commit(enqueue)
        return key

    async def enqueue(
        self, definition: JobDefinition, *, key: str, owner: str, kwargs: dict[str, Any]
    ) -> str:
        if self.saq is not None:
            job = Job(
                function=definition.name,
                kwargs=kwargs,
                key=key,
                timeout=definition.timeout,
                retries=definition.retries,
                retry_delay=definition.retry_delay,
                retry_backoff=definition.retry_delay > 0,
                ttl=self.result_ttl(definition),
                meta={"owner": owner},
            )
            try:
                await self.saq.enqueue(job)
                return key
            except (RedisError, OSError):
                # Redis down: the platform still serves, slower. Nothing is lost.
                log.warning("job_queue_unavailable_running_inline", job=definition.name)
        await self.run_inline(definition, key=key, owner=owner, kwargs=kwargs)
        return key

    def result_ttl(self, definition: JobDefinition) -> int:
        """How long the job's status stays readable once it ends (seconds)."""
        if definition.export_file:
            retention = self.services.export_retention.total_seconds()
            return int(retention) + EXPORT_STATUS_MARGIN
        if definition.import_file:
            kept = self.services.import_abandoned.total_seconds()
            return int(kept) + EXPORT_STATUS_MARGIN
        return RESULT_TTL

    async def run_inline(
        self, definition: JobDefinition, *, key: str, owner: str, kwargs: dict[str, Any]
    ) -> JobStatus:
        self._keep(JobStatus(key, definition.name, "active", 0.0, owner=owner))
        run = JobRun(definition.name, self.services, _InlineProgress(self, key))
        try:
            result = await definition.function(run, **kwargs)
        except Exception:
            log.exception("inline_job_failed", job=definition.name, key=key)
            done = replace(self._inline[key], state="failed", ended_at=time.time())
        else:
            done = replace(
                self._inline[key],
                state="complete",
                progress=1.0,
                result=result,
                ended_at=time.time(),
            )
        self._keep(done)
        return done

    def _keep(self, status: JobStatus) -> None:
        self._inline[status.id] = status
        self._inline.move_to_end(status.id)
        while len(self._inline) > INLINE_KEPT:
            self._inline.popitem(last=False)

    async def status(self, key: str) -> JobStatus | None:
        found = self._inline.get(key)
        if found is not None:
            return found
        if self.saq is None:
            return None
        try:
            job = await self.saq.job(key)
        except (RedisError, OSError) as exc:
            raise QueueUnavailable("jobs.queue_unavailable") from exc
        return status_of(job) if job is not None else None

    async def close(self) -> None:
        if self.saq is not None:
            try:
                await self.saq.disconnect()
            except (RedisError, OSError):
                log.warning("job_queue_disconnect_failed")
