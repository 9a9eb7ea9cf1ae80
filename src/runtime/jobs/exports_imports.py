"""The jobs that make and keep files: a list's or the supervisors' export (written
outside any transaction, stored under the tenant's prefix), an import of a sheet, and
the sweeps that delete both once their time is up. `definitions` names them."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from yiwang.platform.china_time import today_in_china
from yiwang.platform.errors import NotFound
from yiwang.runtime.jobs.runs import JobRun
from yiwang.runtime.lists.export import ExportAsked, export_key, write_export
from yiwang.runtime.lists.service import ListService
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

JobFunction = Callable[..., Awaitable[dict[str, Any]]]

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


#: the import job's name (`definitions.IMPORT_SHEET`), which its keys start with
IMPORT_SHEET_NAME: Final = "import_sheet"


def import_job_key(import_id: str) -> str:
    """The import's job: one per import id (asked twice, it runs once)."""
    return f"{IMPORT_SHEET_NAME}:{import_id}"


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


def _today() -> date:
    """The date in an export's file name: the clerk's, in China."""
    return today_in_china()


async def _file_chunks(path: Path, size: int = 1 << 20) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk
