"""The job definitions: each calls a room's service in units of work acting as
`system:<name>`, and returns a small JSON result the job status shows.

Adding a job (the pattern exports and imports follow):

1. the room declares what it needs as a protocol in its own service module
   (as `attachments.service.VerificationQueue` does) and takes an
   implementation by injection, so it never imports this room;
2. a job function (here, or beside the jobs of its kind: the exports and imports
   are in `exports_imports`): `async def export_list(run: JobRun, *, tenant_id, ...)`
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

import asyncio
import base64
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from yiwang.platform.errors import ServiceUnavailable, YiwangError
from yiwang.runtime.attachments.verification import Outcome
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.cases.sweep import sweep
from yiwang.runtime.jobs.exports_imports import (
    IMPORT_SHEET_NAME,
    export_list,
    export_supervision,
    import_sheet,
    sweep_exports,
    sweep_imports,
)
from yiwang.runtime.jobs.runs import JobRun
from yiwang.runtime.outbox.delivery import deliver
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.runtime.webhooks.delivery import Deliverer

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
    #: its result names an export's file, which its download reads: the job's status is
    #: kept as long as the file (`JobServices.export_retention`) and a day more, so a
    #: download after the sweep answers "expired", not "no such export"
    export_file: bool = False
    #: it reads an import's upload: its status is kept as long as an upload whose import
    #: never ended (`JobServices.import_abandoned`) and a day more, so the upload sweep
    #: can tell an ended import from an abandoned one, and its page what became of it
    import_file: bool = False


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


async def onboard_divisions(
    run: JobRun,
    *,
    code: str,
    tenant_id: int,
    divisions_base64: str,
    template: str,
    login: str,
    account_id: int | None,
) -> dict[str, Any]:
    """Onboard a division file below tenant `code` (as `POST /api/v1/t/{code}/onboard`
    does) in one unit acting as the person who asked, reporting each region done. The file
    comes as uploaded, in base64 (JSON carries no bytes), so the service judges its
    encoding. A refused
    file changes nothing; its refusal, with the line, is the result. Run twice, the second
    run finds every region and changes nothing (onboarding is idempotent)."""
    make = run.services.onboarding
    if make is None:
        raise RuntimeError("this process cannot onboard: no tenant services")
    writes: list[asyncio.Task[None]] = []

    def step(done: int, total: int, name: str) -> None:
        # the service reports synchronously; one progress write in flight at a time
        if not writes or writes[-1].done():
            writes.append(asyncio.ensure_future(run.progress(done, total, name=name)))

    try:
        async with run.person_unit(tenant_id, login, account_id) as uow:
            result = await make(uow).onboard(
                divisions=base64.b64decode(divisions_base64),
                template_name=template,
                progress=step,
                within=code,
            )
    except YiwangError as refused:
        return {"status": "refused", "code": code, "error": refused.as_dict()}
    finally:
        # every progress write lands before the job ends, however it ends: SAQ stores a
        # job's update by reading its status and writing the whole job back, so a write
        # still in flight when the worker records the end (or a retry) puts `active` back
        await asyncio.gather(*writes, return_exceptions=True)
    total = len(result.tenants_created) + result.tenants_unchanged
    await run.progress(total, total)
    return {"status": "onboarded", "code": code, **result.as_dict()}


def _gateways(run: JobRun) -> Gateways:
    if run.services.gateways is None:
        raise ServiceUnavailable("outbox.gateways_missing")
    return run.services.gateways()


async def cases_sweep(run: JobRun) -> dict[str, Any]:
    """Move cases into yellow and red (one unit, committed), then deliver the outbox, the
    new warnings with it (a second unit)."""
    gateways = _gateways(run)
    await run.services.directory.refresh()
    tree = run.services.directory.tree
    now = datetime.now(UTC)
    async with run.unit() as uow:
        changed = await sweep(uow, tree, now)
    async with run.unit() as uow:
        delivered = await deliver(uow, tree, gateways, now)
    return {"changed": changed, **delivered.as_dict()}


async def outbox_deliver(run: JobRun) -> dict[str, Any]:
    """Send the notices of every undelivered outbox row that is due (at least once)."""
    gateways = _gateways(run)
    await run.services.directory.refresh()
    async with run.unit() as uow:
        result = await deliver(uow, run.services.directory.tree, gateways, datetime.now(UTC))
    return result.as_dict()


def _webhooks(run: JobRun) -> Deliverer:
    if run.services.webhooks is None:
        raise ServiceUnavailable("webhooks.delivery_missing")
    return run.services.webhooks


async def webhooks_deliver(run: JobRun) -> dict[str, Any]:
    """POST every due webhook delivery, signed, at least once (`runtime/webhooks`)."""
    webhooks = _webhooks(run)
    await run.services.directory.refresh()
    async with run.unit() as uow:
        result = await webhooks.run(uow, run.services.directory.tree, datetime.now(UTC))
    return result.as_dict()


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
EXPORT_LIST: Final = JobDefinition(
    "export_list", export_list, timeout=3600, retries=2, export_file=True
)
EXPORT_SUPERVISION: Final = JobDefinition(
    "supervision.export", export_supervision, timeout=3600, retries=2, export_file=True
)
#: hourly: a file is deleted within the hour after its retention ends
SWEEP_EXPORTS: Final = JobDefinition("exports.sweep", sweep_exports, timeout=900, cron="37 * * * *")
IMPORT_SHEET: Final = JobDefinition(
    IMPORT_SHEET_NAME, import_sheet, timeout=1800, retries=1, import_file=True
)
#: hourly: an upload is deleted within the hour after its time is up
SWEEP_IMPORTS: Final = JobDefinition("imports.sweep", sweep_imports, timeout=900, cron="47 * * * *")
ONBOARD_DIVISIONS: Final = JobDefinition(
    "onboard_divisions", onboard_divisions, timeout=1800, retries=1
)

CASES_SWEEP: Final = JobDefinition("cases.sweep", cases_sweep, timeout=600, cron="*/5 * * * *")
OUTBOX_DELIVER: Final = JobDefinition(
    "outbox.deliver", outbox_deliver, timeout=300, cron="* * * * *"
)
WEBHOOKS_DELIVER: Final = JobDefinition(
    "webhooks.deliver", webhooks_deliver, timeout=300, cron="* * * * *"
)

#: hourly: a day's overdue orders escalate within the hour the day turns (China's date)
ESCALATE_ORDERS: Final = JobDefinition(
    "escalate_supervision_orders", escalate_orders, timeout=600, cron="7 * * * *"
)

DEFINITIONS: Final[Mapping[str, JobDefinition]] = {
    d.name: d
    for d in (
        VERIFY_ATTACHMENT,
        SWEEP_ATTACHMENTS,
        EXPORT_LIST,
        EXPORT_SUPERVISION,
        SWEEP_EXPORTS,
        IMPORT_SHEET,
        SWEEP_IMPORTS,
        ONBOARD_DIVISIONS,
        CASES_SWEEP,
        OUTBOX_DELIVER,
        WEBHOOKS_DELIVER,
        ESCALATE_ORDERS,
    )
}
