"""The job definitions: each calls a room's service in units of work acting as
`system:<name>`, and returns a small JSON result the job status shows.

Adding a job (the pattern exports and imports follow):

1. the room declares what it needs as a protocol in its own service module
   (as `attachments.service.VerificationQueue` does) and takes an
   implementation by injection, so it never imports this room;
2. a definition here: `async def export_list(run: JobRun, *, tenant_id, ...)`
   that reads in a short unit (`run.tenant_unit(tenant_id)`), does the long
   work outside any transaction, reporting `await run.progress(rows_done,
   rows_total)` (the spreadsheet writers' `progress` callback fits), stores
   the file through `run.services.attachments.storage` under the tenant's
   prefix, and records the outcome in a second unit;
3. a `JobDefinition` in `DEFINITIONS` (timeout, retries; `cron` for a sweep);
4. an adapter in `adapters.py` implementing the room's protocol with
   `JobQueue.enqueue(..., after=uow)`, wired in the room's services by `app`.

Arguments are JSON (ids as strings); a definition must be safe to run twice
(SAQ retries it, the sweeper may ask again): check the state it expects first.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from yiwang.runtime.attachments.verification import Outcome
from yiwang.runtime.jobs.runs import JobRun
from yiwang.runtime.supervision.service import SupervisionService

JobFunction = Callable[..., Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class JobDefinition:
    #: the SAQ function name, and the job's actor: `system:<name>`
    name: str
    function: JobFunction
    timeout: int = 300
    retries: int = 1
    retry_delay: float = 0.0
    #: run on this schedule (cron syntax, UTC) by every worker's scheduler, once
    cron: str | None = None


async def verify_attachment(run: JobRun, *, tenant_id: int, attachment_id: str) -> dict[str, Any]:
    """Read an uploaded object once and mark its attachment verified or rejected."""
    verification = run.services.attachments.verification()
    target_id = uuid.UUID(attachment_id)
    async with run.tenant_unit(tenant_id) as uow:
        target = await verification.target(uow, tenant_id, target_id)
    if isinstance(target, Outcome):
        return target.as_dict()
    inspection = await verification.inspect(target, run.progress)
    async with run.tenant_unit(tenant_id) as uow:
        outcome = await verification.record(uow, target, inspection)
    return outcome.as_dict()


async def sweep_attachments(run: JobRun) -> dict[str, Any]:
    """Remove uploads never completed, clear expired incoming keys, ask again for
    verifications left pending."""
    sweeper = run.services.attachments.sweeper()
    async with await run.every_tenant_unit() as uow:
        due = await sweeper.due(uow)
    now = datetime.now(UTC)
    counts: Counter[str] = Counter()
    for index, item in enumerate(due, 1):
        async with run.tenant_unit(item.tenant_id) as uow:
            done = await sweeper.sweep_one(uow, item, now)
        if done:
            counts[done] += 1
        await run.progress(index, len(due))
    return {
        "expired": counts["expired"],
        "cleared": counts["cleared"],
        "requeued": counts["requeued"],
    }


async def escalate_orders(run: JobRun) -> dict[str, Any]:
    """Escalate every 督办 order whose response day has passed to the next level up."""
    await run.services.directory.refresh()
    async with run.unit() as uow:
        escalated = await SupervisionService(uow, run.services.directory.tree).escalate_due()
    return {"escalated": escalated}


VERIFY_ATTACHMENT: Final = JobDefinition(
    "verify_attachment", verify_attachment, timeout=900, retries=5, retry_delay=10.0
)
SWEEP_ATTACHMENTS: Final = JobDefinition(
    "sweep_attachments", sweep_attachments, timeout=600, cron="*/5 * * * *"
)

#: hourly: a day's overdue orders escalate within the hour the day turns (China's date)
ESCALATE_ORDERS: Final = JobDefinition(
    "escalate_supervision_orders", escalate_orders, timeout=600, cron="7 * * * *"
)

DEFINITIONS: Final[Mapping[str, JobDefinition]] = {
    d.name: d for d in (VERIFY_ATTACHMENT, SWEEP_ATTACHMENTS, ESCALATE_ORDERS)
}
