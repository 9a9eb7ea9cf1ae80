"""What an uploaded file really is, before any spreadsheet library reads it.

An XLSX is a ZIP of XML parts. The checks, in order:
1. size of the upload;
2. magic bytes: a ZIP, or else an OLE2 container (an old .xls, or an
   encrypted .xlsx) or anything else (a CSV or an HTML page renamed .xlsx);
3. the ZIP's directory: at most `max_members` parts, the declared sizes
   adding up to at most `max_uncompressed_bytes`, the parts an XLSX must have,
   no VBA project;
4. every part is decompressed once, counting the bytes really produced (a
   part that inflates past its declared size fails its CRC; so what the
   reader later decompresses is bounded too), and scanned for a DTD
   (`<!DOCTYPE`, `<!ENTITY`: no XLSX needs one, and entity expansion is the
   XML bomb);
5. the first worksheet (the one the reader imports) is scanned for formula
   and error cells, which calamine would silently replace by their cached
   value or by nothing.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Final
from xml.etree import ElementTree
from xml.parsers import expat

from yiwang.runtime.spreadsheets.cells import column_index
from yiwang.runtime.spreadsheets.errors import SpreadsheetRejected

ZIP_MAGIC: Final = b"PK\x03\x04"
OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MIB: Final = 2**20

_MAIN_NS: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS: Final = "http://schemas.openxmlformats.org/package/2006/relationships"

#: what may follow `<f` or `:f` in a formula element's tag
_TAG_END: Final = frozenset(b"> /\t\r\n")
#: an error cell's type attribute
_ERROR_MARKS: Final = (b't="e"', b"t='e'")
_READ: Final = 256 * 1024
_OVERLAP: Final = 32


@dataclass(frozen=True)
class Limits:
    """Bounds of an import; the defaults suit a department's list of a few thousand rows."""

    max_file_bytes: int = 20 * _MIB
    max_uncompressed_bytes: int = 200 * _MIB
    max_members: int = 2_000
    max_rows: int = 20_000
    max_columns: int = 200
    max_cell_chars: int = 32_767  # Excel's own limit


@dataclass
class SheetFindings:
    """What the scan of the first worksheet found: cells calamine would hide."""

    formulas: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def _reject(code: str, **params: Any) -> SpreadsheetRejected:
    return SpreadsheetRejected(code, pointer="", **params)


def inspect_xlsx(data: bytes, limits: Limits) -> SheetFindings:
    """Refuse a file that is not a sound XLSX; return the first sheet's formula and error cells."""
    if len(data) > limits.max_file_bytes:
        raise _reject(
            "spreadsheets.too_large",
            limit=limits.max_file_bytes // _MIB,
            actual=round(len(data) / _MIB, 1),
        )
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(OLE2_MAGIC):
            raise _reject("spreadsheets.legacy_or_encrypted")
        raise _reject("spreadsheets.not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _reject("spreadsheets.corrupt") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise _reject("spreadsheets.corrupt")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_uncompressed_bytes:
            raise _reject(
                "spreadsheets.uncompressed_too_large", limit=limits.max_uncompressed_bytes // _MIB
            )
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _reject("spreadsheets.not_xlsx")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise _reject("spreadsheets.has_macros")
        sheet_part = _first_sheet_part(archive, names)
        total = 0
        findings = SheetFindings()
        for info in infos:
            if info.is_dir():
                continue
            total, suspicious = _scan(archive, info, total, limits, info.filename == sheet_part)
            if suspicious:
                findings = _sheet_findings(archive.read(sheet_part))
    return findings


def _scan(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, limits: Limits, is_sheet: bool
) -> tuple[int, bool]:
    """Decompress one part, counting; refuse a DTD; tell whether a sheet holds formulas."""
    xml = info.filename.endswith((".xml", ".rels", ".vml"))
    suspicious = False
    first = True
    tail = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_READ):
                total += len(chunk)
                if total > limits.max_uncompressed_bytes:
                    raise _reject(
                        "spreadsheets.uncompressed_too_large",
                        limit=limits.max_uncompressed_bytes // _MIB,
                    )
                if xml:
                    if first:
                        _check_prolog(chunk)
                        first = False
                    window = tail + chunk
                    if is_sheet and not suspicious and _has_formula_or_error(window):
                        suspicious = True
                    tail = chunk[-_OVERLAP:]
    except SpreadsheetRejected:
        raise
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
        # a bad CRC (a part larger than declared), an unknown compression, truncation
        raise _reject("spreadsheets.corrupt") from exc
    return total, suspicious


def _check_prolog(head: bytes) -> None:
    """Refuse a DTD. One can only stand in the prolog, before the root element
    (a declaration, comments, processing instructions, whitespace), so reading
    up to the first element suffices. Parts not in UTF-8 are refused: an XLSX's
    are, and the byte checks here read UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00":
        raise _reject("spreadsheets.corrupt")
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while i < len(head) and head[i] in b" \t\r\n":
            i += 1
        if head.startswith(b"<?", i):
            end = head.find(b"?>", i)
        elif head.startswith(b"<!--", i):
            end = head.find(b"-->", i)
        elif head.startswith(b"<!", i):
            raise _reject("spreadsheets.xml_dtd")
        else:
            return
        if end == -1:
            # a prolog longer than a chunk is no XLSX's
            raise _reject("spreadsheets.corrupt")
        i = end + 2


def _has_formula_or_error(data: bytes) -> bool:
    for mark in (b"<f", b":f"):
        at = data.find(mark)
        while at != -1:
            if data[at + 2 : at + 3] and data[at + 2] in _TAG_END:
                return True
            at = data.find(mark, at + 2)
    return any(data.find(mark) != -1 for mark in _ERROR_MARKS)


def _parse_small(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    raw = archive.read(name)
    _check_prolog(raw)
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise _reject("spreadsheets.corrupt") from exc


def _first_sheet_part(archive: zipfile.ZipFile, names: set[str]) -> str:
    """The part of the workbook's first sheet, as calamine's index 0 reads it."""
    workbook = _parse_small(archive, "xl/workbook.xml")
    sheet = workbook.find(f"{{{_MAIN_NS}}}sheets/{{{_MAIN_NS}}}sheet")
    if sheet is None:
        raise _reject("spreadsheets.no_sheet")
    rel_id = sheet.get(f"{{{_REL_NS}}}id")
    rels_name = "xl/_rels/workbook.xml.rels"
    if rel_id is None or rels_name not in names:
        raise _reject("spreadsheets.corrupt")
    rels = _parse_small(archive, rels_name)
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            path = posixpath.normpath(path)
            if path not in names:
                raise _reject("spreadsheets.corrupt")
            return path
    raise _reject("spreadsheets.corrupt")


def _sheet_findings(xml: bytes) -> SheetFindings:
    """Where the formula and error cells are (0-based row and column)."""
    findings = SheetFindings()
    state: dict[str, object] = {"row": -1, "col": -1, "cell": None, "error": False, "in_v": False}
    value: list[str] = []

    def local(name: str) -> str:
        return name.rsplit(":", 1)[-1]

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "row":
            r = attrs.get("r")
            state["row"] = int(r) - 1 if r and r.isdigit() else int(str(state["row"])) + 1
            state["col"] = -1
        elif tag == "c":
            ref = attrs.get("r")
            row = int(str(state["row"]))
            col = int(str(state["col"])) + 1
            if ref:
                m = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref)
                if m:
                    col, row = column_index(m.group(1)), int(m.group(2)) - 1
            state["col"] = col
            state["cell"] = (row, col)
            state["error"] = attrs.get("t") == "e"
        elif tag == "f" and state["cell"] is not None:
            findings.formulas.add(state["cell"])  # type: ignore[arg-type]
        elif tag == "v" and state["error"]:
            state["in_v"] = True
            value.clear()

    def end(name: str) -> None:
        tag = local(name)
        if tag == "v" and state["in_v"]:
            findings.errors[state["cell"]] = "".join(value)  # type: ignore[index]
            state["in_v"] = False
        elif tag == "c":
            state["cell"] = None
            state["error"] = False

    def chars(text: str) -> None:
        if state["in_v"]:
            value.append(text)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise _reject("spreadsheets.corrupt") from exc
    return findings
