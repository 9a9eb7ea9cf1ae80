"""What each acceptable file type looks like inside: magic bytes, extensions, containers.

The declared type of an upload must agree three ways: with the name's extension
(checked before the upload), with the magic bytes at the start of the object
and, for ZIP-based formats (OOXML, OFD), with the members the archive holds
(checked after it). Images get one more look, because browsers sniff them: a
file that starts like a PNG but carries HTML or SVG in its first bytes is a
polyglot and is refused. `text/html` and `image/svg+xml` are never acceptable
(`yiwang.metadata.documents.field_types.ACCEPTABLE_FILE_TYPES`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Final

#: how much of the object's start the checks read
HEAD_BYTES: Final = 4096

#: a signature: every (offset, bytes) of one group must match; any group will do
Signature = tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class FileType:
    media_type: str
    label: str
    extensions: tuple[str, ...]
    signatures: tuple[Signature, ...]
    #: "zip" for formats whose members are checked after the whole file is read
    container: str | None = None
    #: one of these members must be in the archive
    members: tuple[str, ...] = ()
    #: none of these may be (macros in a format that has none)
    forbidden_members: tuple[str, ...] = ()
    #: browsers sniff images: markup in the head is refused
    image: bool = False

    def matches(self, head: bytes) -> bool:
        return any(
            all(head[offset : offset + len(magic)] == magic for offset, magic in group)
            for group in self.signatures
        )


_ZIP: Final[Signature] = ((0, b"PK\x03\x04"),)
_OLE: Final[Signature] = ((0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),)

FILE_TYPES: Final[Mapping[str, FileType]] = {
    t.media_type: t
    for t in (
        FileType("application/pdf", "PDF 文档", ("pdf",), (((0, b"%PDF-"),),)),
        FileType(
            "application/ofd",
            "OFD 版式文档",
            ("ofd",),
            (_ZIP,),
            container="zip",
            members=("OFD.xml",),
        ),
        FileType(
            "image/jpeg", "JPEG 图片", ("jpg", "jpeg"), (((0, b"\xff\xd8\xff"),),), image=True
        ),
        FileType("image/png", "PNG 图片", ("png",), (((0, b"\x89PNG\r\n\x1a\n"),),), image=True),
        FileType(
            "image/gif", "GIF 图片", ("gif",), (((0, b"GIF87a"),), ((0, b"GIF89a"),)), image=True
        ),
        FileType("image/webp", "WebP 图片", ("webp",), (((0, b"RIFF"), (8, b"WEBP")),), image=True),
        FileType(
            "image/tiff",
            "TIFF 图片",
            ("tif", "tiff"),
            (((0, b"II*\x00"),), ((0, b"MM\x00*"),)),
            image=True,
        ),
        FileType(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word 文档（docx）",
            ("docx",),
            (_ZIP,),
            container="zip",
            members=("word/document.xml",),
            forbidden_members=("word/vbaProject.bin",),
        ),
        FileType(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel 表格（xlsx）",
            ("xlsx",),
            (_ZIP,),
            container="zip",
            members=("xl/workbook.xml",),
            forbidden_members=("xl/vbaProject.bin",),
        ),
        # The legacy formats share one signature (an OLE2 compound file); the scanner
        # looks inside them.
        FileType("application/msword", "Word 文档（doc）", ("doc",), (_OLE,)),
        FileType("application/vnd.ms-excel", "Excel 表格（xls）", ("xls",), (_OLE,)),
    )
}

#: what an image's head must not carry (lower-cased): an HTML or SVG polyglot
_MARKUP: Final = (b"<html", b"<!doctype html", b"<script", b"<svg", b"<body", b"<iframe")


def file_type(media_type: str) -> FileType | None:
    return FILE_TYPES.get(media_type)


def extension_fits(media_type: str, extension: str) -> bool:
    found = FILE_TYPES.get(media_type)
    return found is not None and extension in found.extensions


def has_markup(head: bytes) -> bool:
    lowered = head.lower()
    return any(token in lowered for token in _MARKUP)


def head_problem(media_type: str, head: bytes) -> str | None:
    """Why `head` (the object's first bytes) cannot be a file of `media_type`, or None.
    The reasons are the attachment's rejection reasons."""
    found = FILE_TYPES.get(media_type)
    if found is None or not found.matches(head):
        return "type_mismatch"
    if found.image and has_markup(head):
        return "markup"
    return None


def container_problem(media_type: str, body: IO[bytes]) -> str | None:
    """For ZIP-based formats: the archive must hold the format's members (a docx is a
    ZIP with `word/document.xml`; a ZIP renamed `.docx` is not one)."""
    found = FILE_TYPES.get(media_type)
    if found is None or found.container != "zip":
        return None
    try:
        with zipfile.ZipFile(body) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "type_mismatch"
    if not names.intersection(found.members) or names.intersection(found.forbidden_members):
        return "type_mismatch"
    return None
