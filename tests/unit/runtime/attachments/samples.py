"""Small real files of each kind the checks tell apart, built in code (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from yiwang.runtime.attachments.scanning import EICAR


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 4, height: int = 4, *, text: bytes | None = None) -> bytes:
    """A valid RGB PNG; `text` goes into a tEXt chunk right after the header."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    rows = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    extra = _chunk(b"tEXt", b"Comment\x00" + text) if text is not None else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + extra
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def pdf(body: bytes = b"") -> bytes:
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        + body
        + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def eicar_pdf() -> bytes:
    return pdf(b"% " + EICAR)


def html() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(1)</script></svg>"
    )


def zip_with(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def docx() -> bytes:
    return zip_with("[Content_Types].xml", "word/document.xml")
