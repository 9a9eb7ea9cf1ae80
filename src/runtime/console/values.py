"""A case's form data as a staff reader expects it, and its materials as previews.

Labels come from the effective model's document (the business form the case applies
for), values through the metadata's one display of a value (是/否, 元, dates, code
labels); attachment fields become materials, each previewed by its type: images
inline, PDFs in a frame, anything else as a link. The link to open a file goes through
the attachments room's download route, which checks the reader and signs the link; an
in-page preview is served from this origin by the console's own route (`previews`),
since the page's CSP admits no frame or image from the object store. Pure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from yiwang.metadata.documents.display import display_value

ATTACHMENT_TYPES: Final = frozenset({"attachment", "attachments"})
DOWNLOAD: Final = "/api/v1/t/{code}/attachments/{id}/download"
PREVIEW: Final = "/console/t/{code}/cases/{number}/materials/{id}/preview"
IMAGE_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Row:
    label: str
    value: str


@dataclass(frozen=True)
class Material:
    id: uuid.UUID
    label: str
    name: str
    url: str
    #: `image`, `pdf` or `link`: how the page previews it
    preview: str
    #: the same file from this origin, for `<img>` and `<iframe>`
    preview_url: str = ""


def field_order(document: Mapping[str, Any]) -> list[str]:
    """The fields in the order the first form's sections show them, then the rest."""
    fields = dict(document.get("fields") or {})
    ordered: list[str] = []
    for form in (document.get("forms") or {}).values():
        for section in form.get("sections") or ():
            ordered += [k for k in section.get("fields") or () if k in fields]
        break
    return list(dict.fromkeys([*ordered, *fields]))


def code_labels(document: Mapping[str, Any], field: Mapping[str, Any]) -> dict[str, str]:
    listed = (document.get("code_lists") or {}).get(field.get("code_list") or "") or {}
    return {str(v["code"]): str(v.get("label") or v["code"]) for v in listed.get("values") or ()}


def form_rows(document: Mapping[str, Any], data: Mapping[str, Any]) -> list[Row]:
    """Each filled field as (label, value), in form order; fields the model lacks last."""
    fields = dict(document.get("fields") or {})
    rows = []
    for key in [*field_order(document), *(k for k in data if k not in fields)]:
        if key not in data:
            continue
        field = fields.get(key)
        if field is not None and field.get("type") in ATTACHMENT_TYPES:
            continue
        label = str(field.get("label") or key) if field is not None else key
        labels = code_labels(document, field) if field is not None else None
        rows.append(Row(label, display_value(field, data[key], labels)))
    return rows


def attachment_id(value: Any) -> uuid.UUID | None:
    """The attachment an attachment value (or a bare id) names, if it names one."""
    raw = value.get("key") if isinstance(value, Mapping) else value
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw.rsplit("/", 1)[-1])
    except ValueError:
        return None


def preview_of(content_type: str) -> str:
    if content_type in IMAGE_TYPES:
        return "image"
    return "pdf" if content_type == "application/pdf" else "link"


def materials(
    code: str,
    document: Mapping[str, Any],
    data: Mapping[str, Any],
    extra: Iterable[str] = (),
    *,
    unnamed: str = "",
    number: str = "",
) -> list[Material]:
    """The files of the case's attachment fields, then those its events carry (`extra`)."""
    fields = dict(document.get("fields") or {})
    found: list[Material] = []
    seen: set[uuid.UUID] = set()

    def add(label: str, value: Any) -> None:
        ident = attachment_id(value)
        if ident is None or ident in seen:
            return
        seen.add(ident)
        name = str(value.get("name") or "") if isinstance(value, Mapping) else ""
        kind = str(value.get("content_type") or "") if isinstance(value, Mapping) else ""
        url = DOWNLOAD.format(code=code, id=ident)
        name = name or unnamed.format(id=str(ident)[:8])
        preview = PREVIEW.format(code=code, number=number, id=ident) if number else ""
        found.append(Material(ident, label, name, url, preview_of(kind), preview))

    for key in field_order(document):
        field = fields[key]
        if field.get("type") not in ATTACHMENT_TYPES or key not in data:
            continue
        value = data[key]
        for item in value if isinstance(value, list) else [value]:
            add(str(field.get("label") or key), item)
    for ident in extra:
        add(unnamed.format(id=ident[:8]) if unnamed else ident, ident)
    return found


def as_verified(
    found: Iterable[Material], verified: Mapping[uuid.UUID, tuple[str, str]], unnamed: str = ""
) -> list[Material]:
    """The materials previewed by the type the attachments room verified (name and type
    by id), whatever the case's data claims; a file not verified is only a link."""
    shown = []
    for m in found:
        name, content_type = verified.get(m.id, ("", ""))
        keep = m.name if m.name != unnamed.format(id=str(m.id)[:8]) else ""
        shown.append(replace(m, name=keep or name or m.name, preview=preview_of(content_type)))
    return shown
