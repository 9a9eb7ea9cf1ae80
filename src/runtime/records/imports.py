"""Importing a spreadsheet into an item type: every row created as the API creates one,
all of them or none.

The sheet's columns are the type's fields a client may set (not those the
platform fills, nor attachments and tables, which a cell cannot hold), found
by label or key; the export's own columns (编号, 状态, 区划) are recognised and
skipped, so an exported list can be edited and imported back. A cell is read
by its field's type: a code by its code or its label, money in 元 (stored in
分), dates and numbers as typed. Each row then goes through
`RecordService.create` (schema, rules, aggregate rules, platform-filled
fields, history, audit, an idempotency key per row), in one unit of work, each
row in a savepoint so that one row's refusal does not hide the next row's.
If any cell or row was refused, the unit rolls back: nothing is written, and
every problem is reported with its row, column and field.

The upload is kept at `t/<tenant id>/imports/<import id>.xlsx` only as long as the
import needs it: the hourly sweep (`imports.sweep`, in the jobs room) deletes it a
while after the import ended, imported or not (`Settings.import_retention`), and one
whose import never ended (never queued, or never run) after longer
(`Settings.import_abandoned`). An import that finds its file gone says so (`gone`).
"""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.errors import ErrorDetail, YiwangError
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.records.fields import platform_filled
from yiwang.runtime.records.service import RecordService, Viewer
from yiwang.runtime.spreadsheets.cells import Value
from yiwang.runtime.spreadsheets.importing import Field, ImportedRow, SheetImport
from yiwang.runtime.spreadsheets.inspection import Limits, inspect_xlsx

#: field types a cell cannot hold
NOT_IMPORTED: Final = frozenset({"attachment", "attachments", "table"})
#: the export's own columns: recognised, and skipped
RECORD_COLUMNS: Final = (("number", "编号"), ("status", "状态"), ("tenant", "区划"))
_SEPARATORS: Final = re.compile(r"[、,，;；]")
_IMPORT_ID: Final = re.compile(r"[0-9a-f]{32}")
_IMPORT_NAME: Final = re.compile(r"([0-9a-f]{32})\.xlsx")
_TRUE: Final = frozenset({"是", "true", "1", "yes", "y", "√"})
_FALSE: Final = frozenset({"否", "false", "0", "no", "n", "×"})


XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: what an import may hold (the routes also bound the request body by it)
IMPORT_LIMITS: Final = Limits()


@dataclass(frozen=True)
class ImportAsked:
    """An import the request has accepted, as the job gets it (JSON-safe)."""

    tenant_id: int
    type_key: str
    login: str
    account_id: int | None
    restricted: bool
    department: str | None


class ImportDesk(ABC):
    """What the import route needs from the room that runs jobs (`jobs.adapters`)."""

    @abstractmethod
    async def import_later(
        self, uow: UnitOfWork, import_id: str, asked: ImportAsked, data: bytes
    ) -> str:
        """Keep the file under the tenant's prefix and import it once `uow` has committed;
        returns the job's id."""

    @abstractmethod
    async def upload_kept(self, tenant_id: int, import_id: str) -> bool:
        """Whether the import's upload is still kept (the sweep deletes it in time)."""


async def start_import(
    records: RecordService,
    imports: ImportDesk,
    uow: UnitOfWork,
    type_key: str,
    data: bytes,
    *,
    viewer: Viewer,
    tenant_id: int,
    login: str,
    account_id: int | None,
) -> tuple[str, str]:
    """Refuse now what a job would only fail on (a file that is no sound workbook, an
    unknown item type), keep the file and queue its import; returns the import's id and
    its job's id."""
    inspect_xlsx(data, IMPORT_LIMITS)
    RecordService.item_document(await records.model(), type_key)
    import_id = uuid.uuid4().hex
    asked = ImportAsked(
        tenant_id=tenant_id,
        type_key=type_key,
        login=login,
        account_id=account_id,
        restricted=viewer.restricted,
        department=viewer.department,
    )
    return import_id, await imports.import_later(uow, import_id, asked, data)


def imports_folder(tenant_id: int) -> str:
    """The folder of a tenant's import uploads (ends with `/`)."""
    return f"t/{int(tenant_id)}/imports/"


def import_key(tenant_id: int, import_id: str) -> str:
    if not _IMPORT_ID.fullmatch(import_id):
        raise ValueError("an import id is 32 lower-case hex digits")
    return f"{imports_folder(tenant_id)}{import_id}.xlsx"


def import_id_of(key: str, tenant_id: int) -> str | None:
    """The import whose upload `key` is, directly in this tenant's folder; None for any
    other name (the sweep deletes nothing else)."""
    folder = imports_folder(tenant_id)
    name = key[len(folder) :] if key.startswith(folder) else ""
    found = _IMPORT_NAME.fullmatch(name)
    return found.group(1) if found else None


def import_fields(document: Document) -> list[Field]:
    """The columns a sheet of this type may hold (money also under its export header)."""
    filled = set(platform_filled(document))
    out = [Field(key, label) for key, label in RECORD_COLUMNS]
    for key, definition in document["fields"].items():
        if key in filled or definition["type"] in NOT_IMPORTED:
            continue
        label = str(definition["label"])
        out.append(Field(key, label, required=bool(definition.get("required"))))
        if definition["type"] == "money":
            out.append(Field(key, f"{label}（元）"))
    return out


class CellRefused(ValueError):
    """A cell that cannot be a value of its field; `code` names the problem."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class CellReader:
    """Reads a sheet's cells as the values of the type's fields."""

    def __init__(self, document: Document) -> None:
        self.fields: Mapping[str, Any] = document["fields"]
        lists: Mapping[str, Any] = document.get("code_lists", {})
        self.codes: dict[str, dict[str, str]] = {}
        for key, definition in self.fields.items():
            name = definition.get("code_list")
            if name is not None and name in lists:
                by: dict[str, str] = {}
                for v in lists[name].get("values", ()):
                    by[str(v["label"])] = str(v["code"])
                    by[str(v["code"])] = str(v["code"])
                self.codes[key] = by

    def value(self, key: str, raw: Value) -> Any:
        kind = str(self.fields[key]["type"])
        if kind == "money":
            return _money(raw)
        if kind == "integer":
            return _integer(raw)
        if kind == "decimal":
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise CellRefused("records.import.number")
            try:
                number = Decimal(str(raw).strip())
            except InvalidOperation:
                raise CellRefused("records.import.number") from None
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == "boolean":
            return _boolean(raw)
        if kind == "date":
            if isinstance(raw, datetime):
                return raw.date().isoformat()
            if isinstance(raw, date):
                return raw.isoformat()
            return _text(raw)
        if kind == "datetime":
            if isinstance(raw, datetime):
                moment = raw if raw.tzinfo else raw.replace(tzinfo=CHINA_TIME)
                return moment.isoformat()
            return _text(raw)
        if kind == "code":
            return self._code(key, _text(raw))
        if kind == "multi_code":
            parts = [p.strip() for p in _SEPARATORS.split(_text(raw)) if p.strip()]
            return [self._code(key, p) for p in parts]
        return _text(raw)

    def _code(self, key: str, text: str) -> str:
        by = self.codes.get(key)
        if by is None:
            return text
        found = by.get(text)
        if found is None:
            raise CellRefused("records.import.code_unknown", value=text[:40])
        return found


def _text(raw: Value) -> str:
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date | time):
        return raw.isoformat()
    return str(raw).strip()


def _integer(raw: Value) -> int:
    if isinstance(raw, bool):
        raise CellRefused("records.import.integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"-?[0-9]{1,18}", raw.strip()):
        return int(raw.strip())
    raise CellRefused("records.import.integer")


def _money(raw: Value) -> int:
    """元 with at most two decimals, as an integer number of 分."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise CellRefused("records.import.money")
    text = str(raw).strip().replace(",", "").removesuffix("元")
    try:
        yuan = Decimal(text) if not isinstance(raw, float) else Decimal(repr(raw))
    except InvalidOperation:
        raise CellRefused("records.import.money") from None
    fen = yuan * 100
    if not fen.is_finite() or fen != fen.to_integral_value():
        raise CellRefused("records.import.money")
    return int(fen)


def _boolean(raw: Value) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellRefused("records.import.boolean")


@dataclass
class Outcome:
    """What an import did: the records made, or every problem (and nothing made)."""

    imported: list[int] = field(default_factory=list)
    problems: list[ErrorDetail] = field(default_factory=list)

    def as_dict(self, limit: int = 500) -> dict[str, Any]:
        if self.problems:
            return {
                "status": "invalid",
                "imported": 0,
                "count": len(self.problems),
                "errors": [{**p.as_dict(), **_where(p)} for p in self.problems[:limit]],
            }
        return {"status": "imported", "imported": len(self.imported), "ids": self.imported[:limit]}


def _where(detail: ErrorDetail) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("row", "column", "header"):
        if name in detail.params:
            out[name] = detail.params[name]
    return out


class Discard(Exception):
    """Raised inside the import's unit when any row failed: the unit rolls back."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("import discarded")
        self.outcome = outcome


def rows_of(
    sheet: SheetImport, document: Document
) -> tuple[list[tuple[ImportedRow, dict[str, Any]]], list[ErrorDetail]]:
    """Each data row as a record's `data`, and the cells that cannot be read."""
    reader = CellReader(document)
    skipped = {key for key, _ in RECORD_COLUMNS}
    out: list[tuple[ImportedRow, dict[str, Any]]] = []
    problems: list[ErrorDetail] = []
    for row in sheet.rows:
        data: dict[str, Any] = {}
        for key, raw in row.values.items():
            if key in skipped:
                continue
            try:
                data[key] = reader.value(key, raw)
            except CellRefused as refused:
                problems.append(sheet.cell_error(row, key, refused.code, **refused.params))
        out.append((row, data))
    return out, problems


async def import_rows(
    records: RecordService,
    type_key: str,
    sheet: SheetImport,
    document: Document,
    *,
    import_id: str,
    viewer: Viewer,
) -> Outcome:
    """Create every row in `records`' unit; raise `Discard` (so the unit rolls back) when
    any cell or row was refused."""
    rows, problems = rows_of(sheet, document)
    outcome = Outcome(problems=[*sheet.errors, *problems])
    if any((p.pointer or "").startswith("/columns") for p in sheet.errors):
        # a missing or unknown column: every row would say so again; name the columns only
        outcome.problems.sort(key=_sheet_order)
        raise Discard(outcome)
    # a row with a cell already refused is not validated further (its record would be
    # refused for the missing value again)
    refused_rows = {p.params.get("row") for p in outcome.problems}
    session = records.uow.session
    for row, data in rows:
        if row.row in refused_rows:
            continue
        try:
            async with session.begin_nested():
                created = await records.create(
                    type_key,
                    data,
                    idempotency_key=f"import:{import_id}:{row.row}",
                    route=f"import:{type_key}",
                    viewer=viewer,
                )
        except YiwangError as refused:
            outcome.problems.extend(_row_problems(sheet, row, refused))
            continue
        outcome.imported.append(created.id)
    if outcome.problems:
        outcome.problems.sort(key=_sheet_order)
        outcome.imported = []
        raise Discard(outcome)
    return outcome


def _row_problems(
    sheet: SheetImport, row: ImportedRow, refused: YiwangError
) -> Sequence[ErrorDetail]:
    details = refused.details or [ErrorDetail(refused.code, refused.pointer, refused.params)]
    out = []
    for detail in details:
        pointer = detail.pointer or ""
        parts = pointer.split("/")
        if len(parts) >= 3 and parts[1] == "data" and parts[2] in sheet.fields:
            out.append(sheet.cell_error(row, parts[2], detail.code, **detail.params))
        else:
            out.append(sheet.row_error(row, detail.code, **detail.params))
    return out


def _sheet_order(detail: ErrorDetail) -> tuple[int, str]:
    row = detail.params.get("row")
    column = str(detail.params.get("column", ""))
    return (row if isinstance(row, int) else 0, column.rjust(3))
