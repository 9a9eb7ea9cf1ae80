"""The export's columns, its start (the query checked before any job) and its writing
(the job's work: a step of rows per unit of work, so no transaction lasts the export)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.spreadsheets.exporting import (
    PROGRESS_EVERY,
    Column,
    write_csv_async,
    write_xlsx_async,
)
from yiwang.runtime.spreadsheets.files import FORMATS as FORMATS
from yiwang.runtime.spreadsheets.files import ExportFormat as ExportFormat
from yiwang.runtime.spreadsheets.files import export_key as _stored_at
from yiwang.runtime.supervision.errors import SupervisionTimedOut
from yiwang.runtime.supervision.exports.asked import ExportDesk, SupervisionExportAsked
from yiwang.runtime.supervision.query import CaseQuery, parse_query
from yiwang.runtime.supervision.service import SupervisionService

#: rows read per unit of work while exporting (one step by primary key)
EXPORT_BATCH: Final = 2000


#: the sheet's name in an XLSX
SHEET_NAME: Final = "办件"

EXPORT_COLUMNS: Final = (
    Column("tenant_code", "地区代码"),
    Column("tenant_name", "地区"),
    Column("number", "办件编号"),
    Column("service_item", "事项"),
    Column("department", "实施部门"),
    Column("status", "状态"),
    Column("colour", "预警"),
    Column("submitted_at", "申请时间"),
    Column("updated_at", "更新时间"),
    Column("promised_due", "承诺期限"),
    Column("power_type", "权力类型"),
    Column("online", "网上可办"),
    Column("fully_online", "全程网办"),
    Column("visits", "跑动次数"),
)


def columns_of(query: CaseQuery) -> list[Column]:
    """The base columns, then one per overlay field asked (`fields=x_...`)."""
    return [*EXPORT_COLUMNS, *(Column(k, k) for k in query.overlay)]


def export_query(params: Mapping[str, Sequence[str]]) -> CaseQuery:
    """The export's query; `SupervisionQueryInvalid` lists every problem at its pointer.
    `format` defaults to CSV."""
    return parse_query(params, export=True)


#: what a cross-tenant export's file is called beside a list view's in the tenant's folder
KEY_KIND: Final = "supervision-"


def export_key(tenant_id: int, export_id: str, fmt: ExportFormat) -> str:
    """Where the file is stored: under the caller's tenant's folder of exports, named by
    the server (`spreadsheets.files`, which the retention sweep reads)."""
    return _stored_at(tenant_id, export_id, fmt, kind=KEY_KIND)


def export_name(code: str, fmt: ExportFormat, today: date) -> str:
    """The file's name as downloaded: supervision-cases-620100-20261202.csv."""
    return f"supervision-cases-{code}-{today.strftime('%Y%m%d')}.{fmt.key}"


def start_export(
    desk: ExportDesk,
    uow: UnitOfWork,
    params: Mapping[str, Sequence[str]],
    *,
    scope: TenantScope,
    requested_by: int | None,
) -> tuple[str, str]:
    """Check the query as the case page checks it (a bad one is refused now, not by a
    failed job) and queue the export in the guard's scope; the export's id and its
    job's id."""
    wanted = {k: list(v) for k, v in params.items()}
    query = export_query(wanted)
    asked = SupervisionExportAsked.of(scope, wanted, query.format or "csv")
    export_id = uuid.uuid4().hex
    return export_id, desk.export_later(uow, export_id, asked, requested_by=requested_by)


@dataclass(frozen=True)
class Written:
    """An export written to a local file."""

    rows: int
    name: str


async def write_export(
    open_service: Callable[[], AbstractAsyncContextManager[SupervisionService]],
    asked: SupervisionExportAsked,
    path: Path,
    *,
    progress: Callable[[int, int | None], Awaitable[None]],
    today: date,
    batch: int = EXPORT_BATCH,
    every: int = PROGRESS_EVERY,
) -> Written:
    """Write the query's cases to `path`, `batch` rows per unit of its own (`open_service`,
    in the caller's subtree scope) by primary key, so no transaction lasts the export and
    no more than a step is held. Every statement of a step runs under the time limit the
    cross-tenant queries have: a step that passes it fails the export with
    `supervision.timed_out`. The total for the progress is counted first, under the same
    limit; a count that passes it only leaves the progress without a total."""
    query = export_query(asked.params)
    fmt = FORMATS[asked.format]
    total: int | None
    try:
        async with open_service() as supervision:
            code = supervision.tree.by_id[asked.tenant_id].code
            total = await supervision.cross_tenant_export_total(query)
    except SupervisionTimedOut:
        total = None

    async def rows() -> AsyncIterator[dict[str, Any]]:
        after: tuple[int, int] | None = None
        left = query.limit
        while left > 0:
            async with open_service() as supervision:
                found, after = await supervision.cross_tenant_export_batch(
                    query, after=after, size=min(batch, left)
                )
            for row in found:
                yield row
            left -= len(found)
            if after is None:
                return

    async def report(done: int) -> None:
        await progress(done, None if total is None else max(total, done))

    await progress(0, total)
    columns = columns_of(query)
    if fmt.key == "xlsx":
        count = await write_xlsx_async(
            rows(), columns, path, sheet_name=SHEET_NAME, progress=report, every=every
        )
    else:
        with path.open("wb") as out:
            count = await write_csv_async(rows(), columns, out, progress=report, every=every)
    return Written(count, export_name(code, fmt, today))
