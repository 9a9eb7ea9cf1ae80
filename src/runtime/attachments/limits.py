"""What an attachment field allows, from its metadata, and the check of a request against it.

A field names its limits in the metadata: `max_size` (bytes) and `accept`
(media types). A field without them gets the platform's defaults: the
`YIWANG_ATTACHMENT_MAX_SIZE` setting and every acceptable type; no field
exceeds the ceiling setting, whatever it says. Fields are named by their path
in the document: `layout_plan`, or `materials/files` for a table's column.
Pure: the document is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.metadata.documents.field_types import ACCEPTABLE_FILE_TYPES
from yiwang.runtime.attachments.errors import UploadRefused
from yiwang.runtime.attachments.filetypes import FILE_TYPES, extension_fits
from yiwang.runtime.attachments.names import clean_name, extension_of

ATTACHMENT_TYPES = frozenset({"attachment", "attachments"})


@dataclass(frozen=True)
class UploadLimits:
    max_size: int
    accept: tuple[str, ...]


def attachment_field(document: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """The field at `path` (`key` or `table/column`); it must be an attachment field."""
    fields: Mapping[str, Any] = document.get("fields", {})
    parts = path.split("/")
    field: Mapping[str, Any] | None = None
    if 1 <= len(parts) <= 2:
        field = fields.get(parts[0])
        if field is not None and len(parts) == 2:
            field = field.get("columns", {}).get(parts[1]) if field["type"] == "table" else None
    if field is None:
        raise UploadRefused(
            "attachments.field_unknown", pointer="/field", type=document.get("key"), field=path
        )
    if field["type"] not in ATTACHMENT_TYPES:
        raise UploadRefused("attachments.field_not_attachment", pointer="/field", field=path)
    return field


def limits_of(field: Mapping[str, Any], *, default_max_size: int, ceiling: int) -> UploadLimits:
    max_size = min(int(field.get("max_size") or default_max_size), ceiling)
    accepted = field.get("accept") or ACCEPTABLE_FILE_TYPES
    # The meta-schema checks refuse other types; a stored document predating them
    # still never admits a type the verifier cannot recognise.
    return UploadLimits(max_size, tuple(t for t in accepted if t in FILE_TYPES))


def check_request(limits: UploadLimits, *, name: str, size: int, content_type: str) -> str:
    """The stored name of a request within `limits`; `UploadRefused` naming what is wrong."""
    cleaned = clean_name(name)
    if content_type not in limits.accept:
        raise UploadRefused(
            "attachments.type_not_accepted",
            pointer="/content_type",
            content_type=content_type[:100],
            accepted="、".join(FILE_TYPES[t].label for t in limits.accept),
        )
    extension = extension_of(cleaned)
    if not extension_fits(content_type, extension):
        raise UploadRefused(
            "attachments.extension_mismatch",
            pointer="/name",
            extension=extension or "（无）",
            content_type=content_type,
            expected="、".join("." + e for e in FILE_TYPES[content_type].extensions),
        )
    if size < 1:
        raise UploadRefused("attachments.empty", pointer="/size")
    if size > limits.max_size:
        raise UploadRefused(
            "attachments.too_large", pointer="/size", size=size, max_size=limits.max_size
        )
    return cleaned
