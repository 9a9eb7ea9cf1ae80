"""CSV and XLSX exports: encoding, headers, escaping, typed cells, progress, async sources."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from yiwang.runtime.spreadsheets import exporting
from yiwang.runtime.spreadsheets.exporting import (
    Column,
    aiter_csv,
    iter_csv,
    write_csv,
    write_csv_async,
    write_xlsx,
    write_xlsx_async,
)

COLUMNS = [Column("name", "事项名称"), Column("days", "承诺时限"), Column("note", "备注")]
ROWS = [
    {"name": "个体工商户营业执照办理", "days": 3, "note": "=1+1"},
    {"name": "+86 电话", "days": None, "note": "-5"},
    {"name": "@SUM(A1)", "days": 0, "note": "\t制表"},
]


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_csv_has_a_bom_chinese_headers_and_crlf() -> None:
    out = io.BytesIO()
    assert write_csv(ROWS, COLUMNS, out) == 3
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.splitlines()[0] == "事项名称,承诺时限,备注"
    assert "\r\n" in text


def test_csv_escapes_every_dangerous_text_cell() -> None:
    data = b"".join(iter_csv(ROWS, COLUMNS)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[1] == ["个体工商户营业执照办理", "3", "'=1+1"]
    assert rows[2] == ["'+86 电话", "", "'-5"]
    assert rows[3] == ["'@SUM(A1)", "0", "'\t制表"]


def test_csv_numbers_dates_and_booleans() -> None:
    cols = [Column(k, k) for k in ("n", "f", "d", "dt", "b", "m")]
    row = {
        "n": -5,
        "f": 1.25,
        "d": date(2026, 12, 1),
        "dt": datetime(2026, 12, 1, 9, 30),
        "b": True,
        "m": Decimal("5000000.00"),
    }
    data = b"".join(iter_csv([row], cols)).decode("utf-8-sig")
    assert data.splitlines()[1] == "-5,1.25,2026-12-01,2026-12-01 09:30:00,是,5000000.00"


def test_unknown_types_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        b"".join(iter_csv([{"name": ["a", "b"]}], COLUMNS))  # type: ignore[dict-item]


def test_csv_chunks_and_progress() -> None:
    seen: list[int] = []
    rows = ({"name": f"事项{i}", "days": i, "note": "说明" * 20} for i in range(2500))
    chunks = list(iter_csv(rows, COLUMNS, progress=seen.append, every=1000))
    assert len(chunks) > 1
    assert all(len(c.decode("utf-8-sig")) < exporting.CSV_CHUNK + 200 for c in chunks)
    assert seen == [1000, 2000, 2500]
    assert b"".join(chunks).count(b"\r\n") == 2501


def test_xlsx_writes_texts_as_strings_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    assert write_xlsx(ROWS, COLUMNS, path) == 3
    xml = _sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    assert "<t>'=1+1</t>" in xml
    assert "<t>'@SUM(A1)</t>" in xml
    assert "<t>事项名称</t>" in xml
    assert re.search(r'<c r="B2"[^>]*><v>3</v></c>', xml)  # a number stays a number


def test_xlsx_typed_cells(tmp_path: Path) -> None:
    cols = [Column(k, k) for k in ("big", "money", "d", "b", "nan")]
    row = {
        "big": 620102199001011234,
        "money": Decimal("12.50"),
        "d": date(2026, 12, 1),
        "b": False,
        "nan": float("nan"),
    }
    path = tmp_path / "typed.xlsx"
    write_xlsx([row], cols, path)
    xml = _sheet_xml(path)
    assert "<t>620102199001011234</t>" in xml  # 18 digits: kept as text
    assert re.search(r'<c r="B2"[^>]*><v>12.5</v>', xml)
    assert "<t>否</t>" in xml
    assert "<t>nan</t>" in xml


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporting, "XLSX_MAX_ROWS", 4)
    path = tmp_path / "many.xlsx"
    rows = [{"name": f"事项{i}", "days": i} for i in range(7)]
    assert write_xlsx(rows, COLUMNS, path, sheet_name="清单") == 7
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        second = z.read("xl/worksheets/sheet2.xml").decode()
    assert 'name="清单"' in workbook and 'name="清单2"' in workbook
    assert "<t>事项名称</t>" in second  # the header again
    assert "<t>事项3</t>" in second and "<t>事项6</t>" not in second


async def _agen(n: int) -> AsyncIterator[dict[str, object]]:
    for i in range(n):
        yield {"name": f"=事项{i}", "days": i}


async def test_async_exports_await_an_async_progress(tmp_path: Path) -> None:
    seen: list[int] = []

    async def progress(n: int) -> None:
        seen.append(n)

    path = tmp_path / "async.xlsx"
    assert await write_xlsx_async(_agen(25), COLUMNS, path, progress=progress, every=10) == 25
    assert seen == [10, 20, 25]
    assert "<t>'=事项24</t>" in _sheet_xml(path)

    out = io.BytesIO()
    seen.clear()
    assert await write_csv_async(_agen(25), COLUMNS, out, progress=progress, every=10) == 25
    assert seen == [10, 20, 25]
    assert out.getvalue().decode("utf-8-sig").splitlines()[25].startswith("'=事项24,24")
    chunks = [c async for c in aiter_csv(ROWS, COLUMNS)]
    assert b"".join(chunks) == b"".join(iter_csv(ROWS, COLUMNS))
