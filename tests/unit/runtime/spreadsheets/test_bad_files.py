"""Disguised and hostile files are refused with a clear error before any reader runs."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from yiwang.runtime.spreadsheets.errors import SpreadsheetRejected
from yiwang.runtime.spreadsheets.importing import Field, read_xlsx
from yiwang.runtime.spreadsheets.inspection import OLE2_MAGIC, Limits

from .books import book, cell, sheet

FIELDS = [Field("task_name", "事项名称", required=True)]
GOOD_SHEET = sheet([[cell("A1", "事项名称")], [cell("A2", "食品经营许可")]])


def _refused(data: bytes, limits: Limits | None = None) -> SpreadsheetRejected:
    with pytest.raises(SpreadsheetRejected) as raised:
        read_xlsx(data, FIELDS, limits=limits)
    return raised.value


def test_a_good_book_is_read() -> None:
    assert read_xlsx(book(GOOD_SHEET), FIELDS).rows[0].values == {"task_name": "食品经营许可"}


@pytest.mark.parametrize(
    "data",
    [
        "事项名称,事项编码\r\n食品经营许可,1\r\n".encode("utf-8-sig"),  # a CSV renamed .xlsx
        b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
        b"",
        b"PK",  # too short to be a ZIP
    ],
)
def test_what_is_not_a_zip_is_not_an_xlsx(data: bytes) -> None:
    err = _refused(data)
    assert err.code == "spreadsheets.not_xlsx"
    assert "不是 Excel 工作簿" in err.message()


def test_an_old_or_encrypted_workbook_is_named_as_such() -> None:
    err = _refused(OLE2_MAGIC + b"\x00" * 504)
    assert err.code == "spreadsheets.legacy_or_encrypted"


def test_a_zip_that_is_no_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    assert _refused(out.getvalue()).code == "spreadsheets.not_xlsx"


def test_a_truncated_file_is_corrupt() -> None:
    data = book(GOOD_SHEET)
    assert _refused(data[: len(data) // 2]).code == "spreadsheets.corrupt"


def test_the_upload_size_is_capped() -> None:
    err = _refused(book(GOOD_SHEET), Limits(max_file_bytes=100))
    assert err.code == "spreadsheets.too_large"


def test_a_zip_bomb_is_refused_by_its_declared_size() -> None:
    bomb = book(GOOD_SHEET, extra={"xl/media/padding.bin": b"\0" * (3 * 2**20)})
    assert len(bomb) < 10_000  # three MiB of zeros deflate to a few KiB
    err = _refused(bomb, Limits(max_uncompressed_bytes=2**20))
    assert err.code == "spreadsheets.uncompressed_too_large"
    assert "压缩" in err.message()


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite a member's uncompressed size in the local header and the central directory."""
    raw = bytearray(data)
    encoded = name.encode()
    local = raw.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", raw, local + 26)[0]
        if bytes(raw[local + 30 : local + 30 + name_len]) == encoded:
            struct.pack_into("<I", raw, local + 22, size)
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", raw, central + 28)[0]
        if bytes(raw[central + 46 : central + 46 + name_len]) == encoded:
            struct.pack_into("<I", raw, central + 24, size)
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def test_a_bomb_that_lies_about_its_size_is_caught_while_inflating() -> None:
    name = "xl/media/padding.bin"
    bomb = _lie_about_size(book(GOOD_SHEET, extra={name: b"\0" * (3 * 2**20)}), name, 1000)
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:
        assert z.getinfo(name).file_size == 1000
    err = _refused(bomb, Limits(max_uncompressed_bytes=2**20))
    assert err.code == "spreadsheets.corrupt"


def test_a_dtd_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    assert _refused(book(laughs)).code == "spreadsheets.xml_dtd"


def test_macros_are_refused() -> None:
    data = book(GOOD_SHEET, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    assert _refused(data).code == "spreadsheets.has_macros"


def test_too_many_columns() -> None:
    wide = sheet([[cell("A1", "事项名称"), cell("Z1", "x")]])
    assert _refused(book(wide), Limits(max_columns=10)).code == "spreadsheets.too_many_columns"


def test_an_empty_sheet_has_no_header() -> None:
    assert _refused(book(sheet([]))).code == "spreadsheets.no_header"
