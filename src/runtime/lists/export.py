"""Exporting a whole list view: what is asked in the request, and the cells a row becomes.

The request checks the export at once, as a page would be checked (the view,
its filters, sort and search, and the right to see personal data in full),
then hands the work to a job (`ExportRequests`, implemented by the jobs room).
The job walks the view by its keyset in batches, each in a short unit of its
own, and writes each row's cells: codes as their labels, money in 元, dates as
dates, so a clerk's spreadsheet reads as the list does. Personal data is what
the list shows: masked, unless the caller may see it in full and asked for it.

Pure but for the protocol: cells are computed from the item type's document.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeAlias

from yiwang.metadata.documents.shapes import Document
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.lists.errors import ListTimedOut
from yiwang.runtime.lists.messages import ZH_CN
from yiwang.runtime.lists.service import ListService, Prepared
from yiwang.runtime.lists.views import View
from yiwang.runtime.records.service import Viewer
from yiwang.runtime.spreadsheets.cells import Cell
from yiwang.runtime.spreadsheets.exporting import Column, write_csv_async, write_xlsx_async

# the formats both exports share, and where their files are kept
from yiwang.runtime.spreadsheets.files import FORMATS as FORMATS
from yiwang.runtime.spreadsheets.files import ExportDesk as Desk
from yiwang.runtime.spreadsheets.files import ExportFormat as ExportFormat
from yiwang.runtime.spreadsheets.files import export_key as _stored_at

#: rows read per unit of work while exporting (one keyset step)
EXPORT_BATCH: Final = 1000
#: the parameters of a page that an export does not take: it is the whole view
NOT_FOR_EXPORT: Final = frozenset({"limit", "cursor", "format"})
#: the record's own columns every export starts with
RECORD_COLUMNS: Final = (
    Column("number", "编号", 22),
    Column("status", "状态", 10),
    Column("tenant", "区划", 10),
)

_STATUS_PREFIX: Final = "lists.export.status."
#: a record's status as the spreadsheet shows it
STATUS_LABELS: Final[Mapping[str, str]] = {
    k.removeprefix(_STATUS_PREFIX): v for k, v in ZH_CN.items() if k.startswith(_STATUS_PREFIX)
}


@dataclass(frozen=True)
class ExportAsked:
    """An export the request has checked, as the job gets it (JSON-safe)."""

    tenant_id: int
    type_key: str
    #: the list parameters (view, filters, sort, q, personal), without limit and cursor
    params: dict[str, list[str]]
    format: str
    restricted: bool
    department: str | None
    sees_pii: bool

    def viewer(self) -> Viewer:
        return Viewer(self.restricted, self.department, sees_pii=self.sees_pii)

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "type_key": self.type_key,
            "params": self.params,
            "format": self.format,
            "restricted": self.restricted,
            "department": self.department,
            "sees_pii": self.sees_pii,
        }


@dataclass(frozen=True)
class ExportFile:
    """A finished export, as the job's result names it."""

    tenant_id: int
    type_key: str
    key: str
    name: str
    content_type: str
    rows: int


#: the desk of a list view's export: `ExportNotFound` for none (or another's),
#: `ExportNotReady` while it runs or after it failed, `ExportExpired` once swept
ExportDesk: TypeAlias = Desk[ExportAsked, ExportFile]


def columns_of(document: Document, view: View) -> list[Column]:
    """The record's number, status and region, then the view's columns with their labels."""
    fields: Mapping[str, Any] = document["fields"]
    shown = [
        Column(
            key, str(fields[key]["label"]) + ("（元）" if fields[key]["type"] == "money" else "")
        )
        for key in view.columns
        if key in fields
    ]
    return [*RECORD_COLUMNS, *shown]


def _unit(definition: Mapping[str, Any]) -> str:
    return "（元）" if definition["type"] == "money" else ""


class CellMaker:
    """Turns a list item's values into spreadsheet cells, by each field's type."""

    def __init__(self, document: Document, view: View) -> None:
        fields: Mapping[str, Any] = document["fields"]
        lists: Mapping[str, Any] = document.get("code_lists", {})
        self.kinds: dict[str, str] = {}
        self.labels: dict[str, dict[str, str]] = {}
        for key in view.columns:
            definition = fields.get(key)
            if definition is None:
                continue
            self.kinds[key] = str(definition["type"])
            code_list = definition.get("code_list")
            if code_list is not None and code_list in lists:
                self.labels[key] = {
                    str(v["code"]): str(v["label"]) for v in lists[code_list].get("values", ())
                }

    def row(self, item: Mapping[str, Any]) -> dict[str, Cell]:
        values: Mapping[str, Any] = item["values"]
        out: dict[str, Cell] = {
            "number": item["number"],
            "status": STATUS_LABELS.get(item["status"], item["status"]),
            "tenant": item["tenant"],
        }
        for key, kind in self.kinds.items():
            out[key] = self.cell(key, kind, values.get(key))
        return out

    def cell(self, key: str, kind: str, value: Any) -> Cell:
        if value is None:
            return None
        labels = self.labels.get(key)
        if kind == "money" and isinstance(value, int) and not isinstance(value, bool):
            return (Decimal(value) / 100).quantize(Decimal("0.01"))
        if kind == "date" and isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return value
        if kind == "datetime" and isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, list):
            return "、".join(_text(labels, v) for v in value)
        if isinstance(value, dict):
            name = value.get("name")
            return str(name) if name is not None else None
        if isinstance(value, bool | int | float | Decimal):
            return value
        return _text(labels, value)


def _text(labels: Mapping[str, str] | None, value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("label") or "")
    text = str(value)
    return labels.get(text, text) if labels else text


def export_key(tenant_id: int, export_id: str, fmt: ExportFormat) -> str:
    """Where the file is stored: under the tenant's folder of exports, named by the
    server only (`spreadsheets.files`, which the retention sweep reads)."""
    return _stored_at(tenant_id, export_id, fmt)


def export_name(document: Document, view: View, fmt: ExportFormat, today: date) -> str:
    """The file's name as the clerk downloads it: 财政专项资金-工作人员列表-20261201.xlsx."""
    parts = [str(document["label"])]
    if view.label and view.label != document["label"]:
        parts.append(view.label)
    parts.append(today.strftime("%Y%m%d"))
    return "-".join(p.replace("/", "／") for p in parts) + f".{fmt.key}"


def params_for_export(params: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    return {k: list(v) for k, v in params.items() if k not in NOT_FOR_EXPORT}


async def start_export(
    lists: ListService,
    exports: ExportDesk,
    uow: UnitOfWork,
    type_key: str,
    params: Mapping[str, Sequence[str]],
    fmt: str,
    *,
    viewer: Viewer,
    tenant_id: int,
    requested_by: int | None,
) -> tuple[str, str]:
    """Check the view as a page would be checked (a bad filter is refused now, not by a
    failed job), audit personal data asked for in full, and queue the export of all of
    it; returns the export's id and its job's id."""
    wanted = params_for_export(params)
    prepared = await lists.prepare(type_key, wanted, viewer=viewer)
    asked = ExportAsked(
        tenant_id=tenant_id,
        type_key=type_key,
        params=wanted,
        format=fmt,
        restricted=viewer.restricted,
        department=viewer.department,
        sees_pii=prepared.reveal,
    )
    export_id = uuid.uuid4().hex
    if prepared.reveal:
        # audited as the person who asked, in the unit that enqueues the export
        await lists.audit_reveal(
            "record.pii_exported", prepared, {"export": export_id, "format": fmt}
        )
    return export_id, exports.export_later(uow, export_id, asked, requested_by=requested_by)


@dataclass(frozen=True)
class Written:
    """An export written to a local file."""

    rows: int
    name: str
    #: personal data was exported in full (the caller audits it)
    revealed: bool
    prepared: Prepared


async def write_export(
    open_lists: Callable[[], AbstractAsyncContextManager[ListService]],
    asked: ExportAsked,
    path: Path,
    *,
    progress: Callable[[int, int | None], Awaitable[None]],
    today: date,
    batch: int = EXPORT_BATCH,
    counted: int | None = None,
) -> Written:
    """Write the whole view to `path`, reading it by keyset `batch` rows at a time, each
    step in a unit of its own (`open_lists`), so no transaction lasts the export and no
    more than a batch is held. Every statement of a step runs under the statement time
    limit (`ListService.limit_time`): a step that passes it fails the export with
    `lists.timed_out`. The total for the progress is counted first, under the same
    limit (unless the caller `counted` already); a count that passes it only leaves the
    progress without a total."""
    viewer = asked.viewer()
    fmt = FORMATS[asked.format]
    async with open_lists() as lists:
        await lists.limit_time()
        prepared = await lists.prepare(asked.type_key, asked.params, viewer=viewer)
    total = counted if counted is not None else await _total(open_lists, prepared, viewer)
    prepared = replace(prepared, plan=replace(prepared.plan, limit=batch))
    view = prepared.plan.view
    maker = CellMaker(prepared.document, view)
    columns = columns_of(prepared.document, view)

    async def rows() -> AsyncIterator[dict[str, Cell]]:
        after: list[Any] | None = None
        while True:
            async with open_lists() as lists:
                await lists.limit_time()
                items, after = await lists.rows(prepared, viewer=viewer, after=after)
            for item in items:
                yield maker.row(item)
            if after is None:
                return

    async def report(done: int) -> None:
        await progress(done, None if total is None else max(total, done))

    if fmt.key == "xlsx":
        count = await write_xlsx_async(rows(), columns, path, progress=report)
    else:
        with path.open("wb") as out:
            count = await write_csv_async(rows(), columns, out, progress=report)
    return Written(
        count, export_name(prepared.document, view, fmt, today), prepared.reveal, prepared
    )


async def _total(
    open_lists: Callable[[], AbstractAsyncContextManager[ListService]],
    prepared: Prepared,
    viewer: Viewer,
) -> int | None:
    """The rows of the whole view, for the progress, in a unit of its own under the time
    limit; None when the count passes it (the export goes on: only its total is unknown)."""
    try:
        async with open_lists() as lists:
            await lists.limit_time()
            return await lists.count(prepared, viewer=viewer)
    except ListTimedOut:
        return None
