"""What a job definition works with: the process's services, units of work acting as
`system:<job>`, and a progress report a browser can follow.

A definition should keep its transactions short: read what it needs in one
unit, do the long work (reading an object, writing a spreadsheet) outside any
transaction, and record the outcome in another unit.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, job, person, unit_of_work
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.service import RecordService
from yiwang.runtime.webhooks.delivery import Deliverer
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.onboarding.service import Onboarding

if TYPE_CHECKING:
    from yiwang.runtime.jobs.queue import JobQueue

#: progress is written to the queue at most this often (each write is a Redis SET)
PROGRESS_INTERVAL: Final = 0.5


@dataclass(frozen=True)
class JobServices:
    """Everything a definition may call, built once per process (web server or worker)."""

    sessions: async_sessionmaker[AsyncSession]
    directory: TenantDirectory
    attachments: AttachmentServices
    queue: JobQueue
    #: list views in a unit of work (exports); None where the process cannot read records
    lists: Callable[[UnitOfWork], ListService] | None = None
    #: records in a unit of work (imports); None where the process cannot write records
    records: Callable[[UnitOfWork], RecordService] | None = None
    #: builds the SMS and email gateways the outbox delivery sends through, on first use
    #: (the development gateways refuse production: the job fails, the server still starts)
    gateways: Callable[[], Gateways] | None = None
    #: the webhook delivery (its cipher and address rules); None where the process has none
    webhooks: Deliverer | None = None
    #: onboarding from a division file in a unit of work (`TenantServices.onboarding`, with
    #: the steps that complete it); None where the process cannot onboard
    onboarding: Callable[[UnitOfWork], Onboarding] | None = None
    #: how long an export's file is kept (`Settings.export_retention`): the sweep deletes
    #: older ones, and an export job's status is kept as long (and a day more)
    export_retention: timedelta = timedelta(days=7)
    #: how long an import's upload is kept once the import ended (`Settings.import_retention`)
    import_retention: timedelta = timedelta(days=1)
    #: how long an upload whose import never ended is kept (`Settings.import_abandoned`); an
    #: import job's status is kept as long (and a day more), so the sweep can tell the two
    import_abandoned: timedelta = timedelta(days=7)


class ProgressSink(ABC):
    @abstractmethod
    async def write(self, fraction: float, detail: dict[str, Any]) -> None: ...


class JobRun:
    """One run of one definition."""

    def __init__(self, name: str, services: JobServices, sink: ProgressSink) -> None:
        self.name = name
        self.services = services
        self.actor = job(name)
        self._sink = sink
        self._last = 0.0

    def unit(self, scope: TenantScope | None = None) -> AbstractAsyncContextManager[UnitOfWork]:
        return unit_of_work(self.services.sessions, actor=self.actor, scope=scope)

    def tenant_unit(self, tenant_id: int) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit acting as one tenant, as a county's own request would."""
        return self.unit(TenantScope.single(tenant_id))

    def subtree_unit(
        self, tenant_id: int, visible: Sequence[int]
    ) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit acting as `tenant_id` and reading the tenants of `visible`, as the
        `/subtree/` request that asked for the work did: the scope the guard computed
        then, handed to the job, so row-level security holds the same wall. Only tenants
        still in the tree are kept."""
        tree = self.services.directory.tree
        below = [int(i) for i in visible if int(i) in tree.by_id]
        return self.unit(TenantScope.subtree(int(tenant_id), below))

    def person_unit(
        self, tenant_id: int, login: str, account_id: int | None
    ) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit acting for the person who asked (an import: history and audit name
        them, and their idempotency keys are theirs), in one tenant."""
        return unit_of_work(
            self.services.sessions,
            actor=person(login),
            scope=TenantScope.single(tenant_id),
            account_id=account_id,
        )

    async def every_tenant_unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit that reads every tenant (a sweep); its writes still act as one tenant
        at a time (`UnitOfWork.use_scope`), as row-level security demands."""
        await self.services.directory.refresh()
        tree = self.services.directory.tree
        ids = sorted(tree.by_id)
        return self.unit(TenantScope(ids[0], tuple(ids)) if ids else None)

    async def progress(self, done: int, total: int | None = None, **detail: Any) -> None:
        """Report `done` of `total` units of work (rows, bytes); throttled."""
        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        fraction = min(1.0, done / total) if total else 0.0
        await self._sink.write(fraction, {"done": done, "total": total, **detail})
