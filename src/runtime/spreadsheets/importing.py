"""Import of an XLSX sheet into rows keyed by field, collecting every problem.

The reader is python-calamine (chosen by measurement, see bench/README.md);
the file is inspected first (`inspection`), so a disguised or hostile file is
refused before calamine sees it. The first worksheet is imported. Its header
is the first row, among the first `HEADER_SEARCH_ROWS`, that names at least
one field (rows above it, such as a title, are skipped); a header cell matches
a field by label or by key, ignoring width, case, spaces, a required marker
(`*`) and "(必填)".

Nothing is written here. The caller, in this order:
1. `sheet = read_xlsx(data, fields)`; a file that cannot be read raises
   `SpreadsheetRejected` at once;
2. validates each of `sheet.rows` against the record schema, turning each
   problem into `sheet.cell_error(row, key, code, **params)` or
   `sheet.row_error(row, code, **params)`;
3. `sheet.check(problems)`: raises `SpreadsheetInvalid` carrying every
   problem, the sheet's own and the caller's, in sheet order;
4. only then writes every row, in one transaction.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any, Final

import python_calamine

from yiwang.platform.errors import ErrorDetail
from yiwang.platform.i18n import translate
from yiwang.runtime.spreadsheets.cells import Value, column_letter, unescape_formula
from yiwang.runtime.spreadsheets.errors import SpreadsheetInvalid, SpreadsheetRejected
from yiwang.runtime.spreadsheets.inspection import Limits, SheetFindings, inspect_xlsx

HEADER_SEARCH_ROWS: Final = 5
_REQUIRED_MARK: Final = re.compile(r"^\*+|\*+$|\(必填\)$")
_WHITESPACE: Final = re.compile(r"\s+")
_EXACT_INT: Final = 2**53


@dataclass(frozen=True)
class Field:
    """A field a sheet may hold: its key, its Chinese label, whether its column must exist."""

    key: str
    label: str
    required: bool = False


@dataclass(frozen=True)
class ImportedRow:
    """One data row: its sheet row number (the header's is smaller) and its values.

    Empty cells are absent from `values`; texts come back unescaped
    (`cells.unescape_formula`), whole numbers as `int`.
    """

    row: int
    values: dict[str, Value]


@dataclass
class SheetImport:
    """The rows read, and every problem found so far."""

    rows: list[ImportedRow]
    errors: list[ErrorDetail]
    #: field key -> 0-based column index, for the fields whose column was found
    columns: dict[str, int]
    #: field key -> the header as written in the sheet
    headers: dict[str, str]
    header_row: int
    fields: dict[str, Field] = field(default_factory=dict)

    def cell_error(
        self, row: ImportedRow | int, key: str, code: str, /, **params: Any
    ) -> ErrorDetail:
        """A problem with one cell, named by row, column letter and header."""
        number = row.row if isinstance(row, ImportedRow) else row
        index = self.columns.get(key)
        header = self.headers.get(key) or (self.fields[key].label if key in self.fields else key)
        return ErrorDetail(
            "spreadsheets.cell_invalid",
            pointer=f"/rows/{number}/{key}",
            params={
                "row": number,
                "column": column_letter(index) if index is not None else "-",
                "header": header,
                "problem": translate(code, **params),
                "problem_code": code,
            },
        )

    def row_error(self, row: ImportedRow | int, code: str, /, **params: Any) -> ErrorDetail:
        """A problem with a row as a whole (a rule across fields)."""
        number = row.row if isinstance(row, ImportedRow) else row
        return ErrorDetail(
            "spreadsheets.row_invalid",
            pointer=f"/rows/{number}",
            params={"row": number, "problem": translate(code, **params), "problem_code": code},
        )

    def check(self, more: Iterable[ErrorDetail] = ()) -> None:
        """Raise `SpreadsheetInvalid` with every problem, if there is any."""
        problems = sorted([*self.errors, *more], key=_sheet_order)
        if problems:
            raise SpreadsheetInvalid("spreadsheets.invalid", details=problems, count=len(problems))


def _sheet_order(detail: ErrorDetail) -> tuple[int, int]:
    row = detail.params.get("row")
    column = detail.params.get("column", "")
    return (row if isinstance(row, int) else 0, len(column) * 1000 + sum(map(ord, column)))


def header_key(text: str) -> str:
    """A header as it is compared: NFKC, no spaces, no required marker, lower case."""
    norm = unicodedata.normalize("NFKC", text)
    norm = _WHITESPACE.sub("", norm)
    norm = _REQUIRED_MARK.sub("", norm)
    return norm.casefold()


def read_xlsx(
    source: bytes | str | os.PathLike[str] | IO[bytes],
    fields: Sequence[Field],
    *,
    limits: Limits | None = None,
) -> SheetImport:
    """Read the first sheet of an XLSX into rows keyed by field (see the module docstring)."""
    limits = limits or Limits()
    data = _read_bytes(source, limits)
    findings = inspect_xlsx(data, limits)
    table = _load_first_sheet(data, limits)
    return _rows(table, fields, findings, limits)


def _read_bytes(source: bytes | str | os.PathLike[str] | IO[bytes], limits: Limits) -> bytes:
    """The upload's bytes, at most one past the limit (`inspect_xlsx` refuses an oversize)."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as f:
            return _read_bounded(f, limits.max_file_bytes + 1)
    return _read_bounded(source, limits.max_file_bytes + 1)


def _read_bounded(stream: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := stream.read(min(1 << 20, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _load_first_sheet(data: bytes, limits: Limits) -> list[list[Any]]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise SpreadsheetRejected("spreadsheets.legacy_or_encrypted", pointer="") from exc
    except Exception as exc:  # calamine's zip and XML errors, and panics surfaced as errors
        raise SpreadsheetRejected("spreadsheets.corrupt", pointer="") from exc
    with book:
        if not book.sheet_names:
            raise SpreadsheetRejected("spreadsheets.no_sheet", pointer="")
        try:
            sheet = book.get_sheet_by_index(0)
        except Exception as exc:
            raise SpreadsheetRejected("spreadsheets.corrupt", pointer="") from exc
        end = sheet.end
        if end is not None:
            if end[1] + 1 > limits.max_columns:
                raise SpreadsheetRejected(
                    "spreadsheets.too_many_columns",
                    pointer="",
                    limit=limits.max_columns,
                    actual=end[1] + 1,
                )
            # the header takes at least one row
            if end[0] > limits.max_rows + HEADER_SEARCH_ROWS:
                raise SpreadsheetRejected(
                    "spreadsheets.too_many_rows", pointer="", limit=limits.max_rows, actual=end[0]
                )
        return sheet.to_python(skip_empty_area=False)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_header(table: list[list[Any]], wanted: dict[str, Field]) -> int:
    first_filled = -1
    for r, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        if _row_empty(cells):
            continue
        if first_filled < 0:
            first_filled = r
        if any(isinstance(v, str) and header_key(v) in wanted for v in cells):
            return r
    if first_filled < 0:
        raise SpreadsheetRejected("spreadsheets.no_header", pointer="")
    return first_filled


def _rows(
    table: list[list[Any]], fields: Sequence[Field], findings: SheetFindings, limits: Limits
) -> SheetImport:
    wanted: dict[str, Field] = {}
    for f in fields:
        wanted.setdefault(header_key(f.label), f)
        wanted.setdefault(header_key(f.key), f)
    if not table:
        raise SpreadsheetRejected("spreadsheets.no_header", pointer="")
    h = _find_header(table, wanted)
    header_row = h + 1
    errors: list[ErrorDetail] = []
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    body = table[h + 1 :]
    width = max((len(r) for r in table), default=0)
    header_cells = table[h] + [None] * (width - len(table[h]))
    for c, raw in enumerate(header_cells):
        letter = column_letter(c)
        if _empty(raw):
            if any(c < len(r) and not _empty(r[c]) for r in body):
                errors.append(
                    ErrorDetail(
                        "spreadsheets.column_unlabelled",
                        pointer=f"/columns/{letter}",
                        params={"row": header_row, "column": letter},
                    )
                )
            continue
        text = raw if isinstance(raw, str) else str(raw)
        found = wanted.get(header_key(text))
        if found is None:
            errors.append(
                ErrorDetail(
                    "spreadsheets.column_unknown",
                    pointer=f"/columns/{letter}",
                    params={"row": header_row, "column": letter, "header": text.strip()},
                )
            )
        elif found.key in columns:
            errors.append(
                ErrorDetail(
                    "spreadsheets.column_duplicate",
                    pointer=f"/columns/{letter}",
                    params={
                        "row": header_row,
                        "column": letter,
                        "header": text.strip(),
                        "first": column_letter(columns[found.key]),
                    },
                )
            )
        else:
            columns[found.key] = c
            headers[found.key] = text.strip()
    for f in fields:
        if f.required and f.key not in columns:
            errors.append(
                ErrorDetail(
                    "spreadsheets.column_missing",
                    pointer=f"/columns/{f.key}",
                    params={"row": header_row, "header": f.label},
                )
            )

    rows: list[ImportedRow] = []
    mapped = [(key, c, column_letter(c)) for key, c in columns.items()]
    flagged = bool(findings.formulas or findings.errors)
    max_chars = limits.max_cell_chars
    for offset, cells in enumerate(body):
        if _row_empty(cells):
            continue
        r = h + 1 + offset  # 0-based sheet row
        if len(rows) >= limits.max_rows:
            raise SpreadsheetRejected(
                "spreadsheets.too_many_rows",
                pointer="",
                limit=limits.max_rows,
                actual=len(rows) + 1,
            )
        values: dict[str, Value] = {}
        width = len(cells)
        for key, c, letter in mapped:
            if flagged and ((r, c) in findings.formulas or (r, c) in findings.errors):
                errors.append(_flagged(findings, r, c, key, letter, headers[key]))
                continue
            raw = cells[c] if c < width else None
            if raw is None or raw == "":
                continue
            kind = type(raw)
            if kind is str:
                if raw.isspace():
                    continue
                if len(raw) > max_chars:
                    errors.append(
                        ErrorDetail(
                            "spreadsheets.cell_too_long",
                            pointer=f"/rows/{r + 1}/{key}",
                            params={
                                "row": r + 1,
                                "column": letter,
                                "header": headers[key],
                                "limit": max_chars,
                                "actual": len(raw),
                            },
                        )
                    )
                    continue
                values[key] = unescape_formula(raw) if raw[0] == "'" else raw
            elif kind is float:
                values[key] = int(raw) if raw.is_integer() and abs(raw) < _EXACT_INT else raw
            else:
                values[key] = _value(raw)
        rows.append(ImportedRow(row=r + 1, values=values))
    return SheetImport(
        rows=rows,
        errors=errors,
        columns=columns,
        headers=headers,
        header_row=header_row,
        fields={f.key: f for f in fields},
    )


def _row_empty(cells: list[Any]) -> bool:
    for v in cells:
        if v is not None and v != "" and not (type(v) is str and v.isspace()):
            return False
    return True


def _flagged(
    findings: SheetFindings, r: int, c: int, key: str, letter: str, header: str
) -> ErrorDetail:
    where = {"row": r + 1, "column": letter, "header": header}
    pointer = f"/rows/{r + 1}/{key}"
    if (r, c) in findings.formulas:
        return ErrorDetail("spreadsheets.cell_formula", pointer=pointer, params=where)
    return ErrorDetail(
        "spreadsheets.cell_error_value",
        pointer=pointer,
        params={**where, "value": findings.errors[(r, c)]},
    )


def _value(raw: Any) -> Value:
    if isinstance(raw, str):
        return unescape_formula(raw)
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < _EXACT_INT:
        return int(raw)
    if isinstance(raw, bool | int | float | datetime | date | time | timedelta):
        return raw
    return str(raw)
