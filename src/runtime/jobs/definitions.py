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

import asyncio
import base64
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from yiwang.platform.china_time import today_in_china
from yiwang.platform.errors import NotFound, ServiceUnavailable, YiwangError
from yiwang.runtime.attachments.verification import Outcome
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.cases.sweep import sweep
from yiwang.runtime.jobs.runs import JobRun
from yiwang.runtime.lists.export import ExportAsked, export_key, write_export
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.outbox.delivery import deliver
from yiwang.runtime.records.imports import (
    Discard,
    import_fields,
    import_id_of,
    import_rows,
    imports_folder,
)
from yiwang.runtime.records.service import RecordService, Viewer
from yiwang.runtime.spreadsheets.errors import SpreadsheetRejected
from yiwang.runtime.spreadsheets.files import FORMATS, exports_folder, is_export_key
from yiwang.runtime.spreadsheets.importing import read_xlsx
from yiwang.runtime.supervision.exports import SupervisionExportAsked
from yiwang.runtime.supervision.exports import export_key as supervision_export_key
from yiwang.runtime.supervision.exports import write_export as write_supervision_export
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


#: the largest export file kept (an XLSX of 1,000,000 rows of a wide view is ~150 MB)
MAX_EXPORT_BYTES: Final = 2 * 1024**3


async def export_list(
    run: JobRun,
    *,
    export_id: str,
    tenant_id: int,
    type_key: str,
    params: dict[str, list[str]],
    format: str,
    restricted: bool,
    department: str | None,
    sees_pii: bool,
) -> dict[str, Any]:
    """Write a whole list view to a spreadsheet, store it under the tenant's prefix, and
    name it in the result (the download route signs a link to it). Run twice, it writes
    the same file again."""
    make_lists = run.services.lists
    if make_lists is None:
        raise RuntimeError("this process cannot read records: no list services")
    asked = ExportAsked(tenant_id, type_key, params, format, restricted, department, sees_pii)
    fmt = FORMATS[format]
    key = export_key(tenant_id, export_id, fmt)

    @asynccontextmanager
    async def open_lists() -> AsyncIterator[ListService]:
        async with run.tenant_unit(tenant_id) as uow:
            yield make_lists(uow)

    revealed = False  # whether the file shows personal data in full

    async def write(path: Path) -> tuple[str, int]:
        nonlocal revealed
        written = await write_export(open_lists, asked, path, progress=run.progress, today=_today())
        revealed = written.revealed
        return written.name, written.rows

    result = await _store_export(run, export_id, tenant_id, key, fmt.key, fmt.content_type, write)
    return {**result, "type": type_key, "personal": "full" if revealed else "masked"}


async def export_supervision(
    run: JobRun,
    *,
    export_id: str,
    tenant_id: int,
    visible: list[int],
    params: dict[str, list[str]],
    format: str,
) -> dict[str, Any]:
    """Write the cross-tenant cases a supervisor's query names to a spreadsheet, reading
    them in the subtree scope the guard computed for the request (each step a unit of its
    own), store it under the supervisor's tenant's prefix, and name it in the result (the
    download route signs a link to it). Run twice, it writes the same file again."""
    asked = SupervisionExportAsked(int(tenant_id), tuple(visible), params, format)
    fmt = FORMATS[format]
    key = supervision_export_key(tenant_id, export_id, fmt)
    await run.services.directory.refresh()

    @asynccontextmanager
    async def open_service() -> AsyncIterator[SupervisionService]:
        async with run.subtree_unit(tenant_id, visible) as uow:
            yield SupervisionService(uow, run.services.directory.tree)

    async def write(path: Path) -> tuple[str, int]:
        written = await write_supervision_export(
            open_service, asked, path, progress=run.progress, today=_today()
        )
        return written.name, written.rows

    return await _store_export(run, export_id, tenant_id, key, fmt.key, fmt.content_type, write)


async def _store_export(
    run: JobRun,
    export_id: str,
    tenant_id: int,
    key: str,
    extension: str,
    content_type: str,
    write: Callable[[Path], Awaitable[tuple[str, int]]],
) -> dict[str, Any]:
    """`write` the file (it answers the file's name and rows) in a folder of its own, store
    it under `key`, and describe it as an export job's result does."""
    with tempfile.TemporaryDirectory(prefix="yiwang-export-") as folder:
        path = Path(folder) / f"export.{extension}"
        name, rows = await write(path)
        stored = await run.services.attachments.storage.put_stream(
            key, _file_chunks(path), content_type, max_size=MAX_EXPORT_BYTES
        )
    return {
        "export": export_id,
        "tenant_id": int(tenant_id),
        "format": extension,
        "key": key,
        "name": name,
        "content_type": content_type,
        "rows": rows,
        "bytes": stored.size,
        "sha256": stored.sha256,
    }


async def sweep_exports(run: JobRun) -> dict[str, Any]:
    """Delete every export's file older than the retention (`Settings.export_retention`)
    from each tenant's folder of exports, and nothing else: only that folder is listed,
    and only names an export is given (`spreadsheets.files.is_export_key`) are deleted,
    never an attachment, an upload, an import or a certificate. Run twice, the second
    run finds nothing to delete."""
    storage = run.services.attachments.storage
    await run.services.directory.refresh()
    tenant_ids = sorted(run.services.directory.tree.by_id)
    before = datetime.now(UTC) - run.services.export_retention
    deleted = kept = 0
    for index, tenant_id in enumerate(tenant_ids, 1):
        async for found in storage.listing(exports_folder(tenant_id)):
            if not is_export_key(found.key, tenant_id):
                continue
            if found.modified < before:
                await storage.delete(found.key)
                deleted += 1
            else:
                kept += 1
        await run.progress(index, len(tenant_ids))
    return {"deleted": deleted, "kept": kept, "before": before.isoformat()}


async def import_sheet(
    run: JobRun,
    *,
    import_id: str,
    tenant_id: int,
    type_key: str,
    key: str,
    login: str,
    account_id: int | None,
    restricted: bool,
    department: str | None,
) -> dict[str, Any]:
    """Read an uploaded XLSX and create a record of `type_key` for each row, as the person
    who uploaded it, all in one unit: every row, or none and every problem. Run twice, the
    rows' idempotency keys give back the first run's records."""
    make_records = run.services.records
    if make_records is None:
        raise RuntimeError("this process cannot write records: no record services")
    try:
        data = await run.services.attachments.storage.get(key)
    except NotFound:  # swept: the import waited longer than an abandoned upload is kept
        return {"status": "gone", "imported": 0}
    viewer = Viewer(restricted, department)
    async with run.tenant_unit(tenant_id) as uow:
        document = RecordService.item_document(await make_records(uow).model(), type_key)
    try:
        sheet = read_xlsx(data, import_fields(document))
    except SpreadsheetRejected as rejected:
        return {"status": "rejected", "imported": 0, "error": rejected.as_dict()}
    await run.progress(0, len(sheet.rows))
    try:
        async with run.person_unit(tenant_id, login, account_id) as uow:
            outcome = await import_rows(
                make_records(uow), type_key, sheet, document, import_id=import_id, viewer=viewer
            )
    except Discard as discarded:
        return discarded.outcome.as_dict()
    await run.progress(len(outcome.imported), len(outcome.imported))
    return outcome.as_dict()


def import_job_key(import_id: str) -> str:
    """The import's job: one per import id (asked twice, it runs once)."""
    return f"{IMPORT_SHEET.name}:{import_id}"


async def sweep_imports(run: JobRun) -> dict[str, Any]:
    """Delete each tenant's import uploads the imports no longer need: once the import
    ended (imported, refused or failed; its job's status says when) and
    `import_retention` has passed since, or, for one whose import never ended (no job, or
    one still waiting), once `import_abandoned` has passed since the upload. Only names
    an import is given (`import_id_of`) in the tenants' folders of imports are touched.
    Run twice, the second run finds nothing to delete."""
    storage = run.services.attachments.storage
    queue = run.services.queue
    await run.services.directory.refresh()
    tenant_ids = sorted(run.services.directory.tree.by_id)
    now = time.time()
    ended_before = now - run.services.import_retention.total_seconds()
    uploaded_before = datetime.fromtimestamp(
        now - run.services.import_abandoned.total_seconds(), UTC
    )
    counts: Counter[str] = Counter()
    for index, tenant_id in enumerate(tenant_ids, 1):
        async for found in storage.listing(imports_folder(tenant_id)):
            import_id = import_id_of(found.key, tenant_id)
            if import_id is None:
                continue
            status = await queue.status(import_job_key(import_id))
            if status is not None and status.ended_at is not None:
                why = "ended" if status.ended_at < ended_before else None
            else:
                why = "abandoned" if found.modified < uploaded_before else None
            if why is None:
                counts["kept"] += 1
                continue
            await storage.delete(found.key)
            counts[why] += 1
        await run.progress(index, len(tenant_ids))
    return {"ended": counts["ended"], "abandoned": counts["abandoned"], "kept": counts["kept"]}


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


def _today() -> date:
    """The date in an export's file name: the clerk's, in China."""
    return today_in_china()


async def _file_chunks(path: Path, size: int = 1 << 20) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


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
    "import_sheet", import_sheet, timeout=1800, retries=1, import_file=True
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
