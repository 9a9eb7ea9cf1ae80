"""Streaming export of rows to CSV and XLSX, in constant memory, with progress.

Rows are mappings from a column's key to a `Cell`; the columns give the order
and the Chinese headers. Rows may come from a plain or an async iterator (a
server-side cursor), and are written as they come: nothing holds more than a
chunk of them.

- CSV: UTF-8 with a byte-order mark, because Excel opens a CSV without one in
  the system's ANSI code page (GBK on a Chinese Windows) and shows every
  Chinese character as mojibake; with the mark it reads UTF-8. Lines end in
  CRLF (RFC 4180). `iter_csv` yields chunks of bytes, for a streamed HTTP
  response or a multipart upload to the object store.
- XLSX: XlsxWriter in `constant_memory` mode (chosen by measurement, see
  bench/README.md): each row is flushed to a temporary file as it is written,
  strings are stored inline, and the workbook is zipped at the end, so the
  target must be a path or a real file (a BytesIO would hold the whole file).
  Strings are written with `write_string` and the workbook's automatic
  conversions are off, so a text is never stored as a formula, a number or a
  link. Past 1,048,575 rows, a sheet is continued on the next.

Every text cell is formula-escaped in both formats (`cells.escape_formula`).
"""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
import os
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Final, TypeAlias

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from yiwang.runtime.spreadsheets.cells import FALSE_TEXT, TRUE_TEXT, Cell, escape_formula

BOM: Final = "\ufeff".encode()
#: rows between two progress calls
PROGRESS_EVERY: Final = 1000
#: characters gathered before `iter_csv` yields a chunk (UTF-8 takes 3 bytes per Chinese one)
CSV_CHUNK: Final = 64 * 1024
#: rows of one XLSX sheet, the header included (Excel's limit)
XLSX_MAX_ROWS: Final = 1_048_576
#: numbers beyond 15 significant digits are written as text, or Excel rounds them
_EXACT_DIGITS: Final = 15

Row: TypeAlias = Mapping[str, Cell]
#: called with the number of rows written; an async export awaits what it returns
Progress: TypeAlias = Callable[[int], Awaitable[None] | None]


@dataclass(frozen=True)
class Column:
    """One exported column: the row key it reads and the header it shows."""

    key: str
    label: str
    #: XLSX width in characters; by default from the header
    width: float | None = None


# --- CSV -----------------------------------------------------------------


def csv_text(value: Cell) -> str:
    """A cell as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__} to a spreadsheet")


class _CsvEncoder:
    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        self.writer.writerow([escape_formula(c.label) for c in columns])

    def add(self, row: Row) -> None:
        self.writer.writerow([csv_text(row.get(c.key)) for c in self.columns])

    def full(self) -> bool:
        return self.buffer.tell() >= CSV_CHUNK

    def take(self, first: bool = False) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return BOM + data if first else data


def iter_csv(
    rows: Iterable[Row],
    columns: Sequence[Column],
    *,
    progress: Callable[[int], object] | None = None,
    every: int = PROGRESS_EVERY,
) -> Iterator[bytes]:
    """CSV bytes in chunks: the byte-order mark and header first, then the rows."""
    encoder = _CsvEncoder(columns)
    first = True
    count = 0
    for row in rows:
        encoder.add(row)
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
        if encoder.full():
            yield encoder.take(first)
            first = False
    yield encoder.take(first)
    if progress is not None:
        progress(count)


async def aiter_csv(
    rows: AsyncIterable[Row] | Iterable[Row],
    columns: Sequence[Column],
    *,
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> AsyncIterator[bytes]:
    """`iter_csv` for an async source; awaits the progress callback if it is async."""
    encoder = _CsvEncoder(columns)
    first = True
    count = 0
    async for row in _aiter(rows):
        encoder.add(row)
        count += 1
        if progress is not None and count % every == 0:
            await _call(progress, count)
        if encoder.full():
            yield encoder.take(first)
            first = False
    yield encoder.take(first)
    if progress is not None:
        await _call(progress, count)


def write_csv(
    rows: Iterable[Row],
    columns: Sequence[Column],
    out: IO[bytes],
    *,
    progress: Callable[[int], object] | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write a CSV to a binary file; returns the number of rows."""
    counted = _Counter(rows)
    for chunk in iter_csv(counted, columns, progress=progress, every=every):
        out.write(chunk)
    return counted.count


async def write_csv_async(
    rows: AsyncIterable[Row] | Iterable[Row],
    columns: Sequence[Column],
    out: IO[bytes],
    *,
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    count = 0

    async def counting() -> AsyncIterator[Row]:
        nonlocal count
        async for row in _aiter(rows):
            count += 1
            yield row

    async for chunk in aiter_csv(counting(), columns, progress=progress, every=every):
        out.write(chunk)
    return count


# --- XLSX ----------------------------------------------------------------

XLSX_OPTIONS: Final[dict[str, Any]] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


class XlsxSheetWriter:
    """Rows into an XLSX file through XlsxWriter's constant-memory mode."""

    def __init__(
        self, out: str | os.PathLike[str] | IO[bytes], columns: Sequence[Column], sheet_name: str
    ) -> None:
        self.columns = columns
        self.sheet_name = sheet_name
        self.book = xlsxwriter.Workbook(out, XLSX_OPTIONS)
        self.header_format: Format = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1}
        )
        self.date_format: Format = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime_format: Format = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.sheets = 0
        self.count = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = self.sheet_name if self.sheets == 1 else f"{self.sheet_name}{self.sheets}"
        self.sheet: Worksheet = self.book.add_worksheet(name)
        for i, column in enumerate(self.columns):
            width = column.width or max(8.0, 2.2 * len(column.label) + 2)
            self.sheet.set_column(i, i, width)
        self.sheet.freeze_panes(1, 0)
        for i, column in enumerate(self.columns):
            self.sheet.write_string(0, i, escape_formula(column.label), self.header_format)
        self.row = 1

    def add(self, row: Row) -> None:
        if self.row >= XLSX_MAX_ROWS:
            self._new_sheet()
        for i, column in enumerate(self.columns):
            self._cell(self.row, i, row.get(column.key))
        self.row += 1
        self.count += 1

    def _cell(self, r: int, c: int, value: Cell) -> None:
        sheet = self.sheet
        if value is None:
            return
        if isinstance(value, bool):
            sheet.write_string(r, c, TRUE_TEXT if value else FALSE_TEXT)
        elif isinstance(value, str):
            sheet.write_string(r, c, escape_formula(value))
        elif isinstance(value, int):
            if abs(value) < 10**_EXACT_DIGITS:
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                sheet.write_string(r, c, repr(value))
            else:
                sheet.write_number(r, c, value)
        elif isinstance(value, Decimal):
            digits = value.as_tuple().digits
            if value.is_finite() and len(digits) <= _EXACT_DIGITS:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, format(value, "f"))
        elif isinstance(value, datetime):
            # the wall-clock time in the value's own offset: Excel has no time zones
            sheet.write_datetime(r, c, value.replace(tzinfo=None), self.datetime_format)
        elif isinstance(value, date):
            sheet.write_datetime(r, c, value, self.date_format)
        else:
            raise TypeError(f"cannot export a {type(value).__name__} to a spreadsheet")

    def close(self) -> None:
        self.book.close()


def write_xlsx(
    rows: Iterable[Row],
    columns: Sequence[Column],
    out: str | os.PathLike[str] | IO[bytes],
    *,
    sheet_name: str = "数据",
    progress: Callable[[int], object] | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write an XLSX file; returns the number of rows."""
    writer = XlsxSheetWriter(out, columns, sheet_name)
    try:
        for row in rows:
            writer.add(row)
            if progress is not None and writer.count % every == 0:
                progress(writer.count)
    finally:
        writer.close()
    if progress is not None:
        progress(writer.count)
    return writer.count


async def write_xlsx_async(
    rows: AsyncIterable[Row] | Iterable[Row],
    columns: Sequence[Column],
    out: str | os.PathLike[str] | IO[bytes],
    *,
    sheet_name: str = "数据",
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """`write_xlsx` for an async source. The writing itself is synchronous; the
    loop gets a turn at every progress step, and the final zip runs in a thread."""
    writer = XlsxSheetWriter(out, columns, sheet_name)
    try:
        async for row in _aiter(rows):
            writer.add(row)
            if writer.count % every == 0:
                if progress is not None:
                    await _call(progress, writer.count)
                await asyncio.sleep(0)
    finally:
        await asyncio.to_thread(writer.close)
    if progress is not None:
        await _call(progress, writer.count)
    return writer.count


# --- helpers -------------------------------------------------------------


class _Counter:
    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self.rows:
            self.count += 1
            yield row


async def _aiter(rows: AsyncIterable[Row] | Iterable[Row]) -> AsyncIterator[Row]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


async def _call(progress: Progress, count: int) -> None:
    result = progress(count)
    if inspect.isawaitable(result):
        await result
