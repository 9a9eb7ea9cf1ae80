"""What the platform reads from a document's fields: who fills them, whose department a
record belongs to, which fields hold personal data, and the order fields are shown in.

Pure: documents in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document

#: `filled_by` value of fields the platform fills (from the route, from the case)
PLATFORM: Final = "platform"
#: field types whose values are scalars (indexable, comparable)
SCALAR_TYPES: Final = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "money",
        "date",
        "datetime",
        "boolean",
        "code",
        "division",
        "department",
        "person",
        "reference",
    }
)


def platform_filled(document: Document) -> tuple[str, ...]:
    """Fields the platform fills; a client value for any of them is refused."""
    return tuple(k for k, f in document["fields"].items() if f.get("filled_by") == PLATFORM)


def department_field(document: Document) -> str | None:
    """The field naming the record's department: the first field of type `department`.

    A department's staff whose access is department-only see the records whose
    department is theirs; an application, which has no department field, takes
    its service item's department.
    """
    for key, field in document["fields"].items():
        if field["type"] == "department":
            return str(key)
    return None


def has_pii(document: Document) -> bool:
    for field in document["fields"].values():
        if field.get("pii") or any(c.get("pii") for c in field.get("columns", {}).values()):
            return True
    return False


def ordered(document: Document, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` in the document's field order (JSONB keeps no order; the document does)."""
    fields = document["fields"]
    out = {k: values[k] for k in fields if k in values}
    for key, value in values.items():  # fields a newer model no longer names stay visible
        if key not in out:
            out[key] = value
    for key, field in fields.items():
        columns = field.get("columns")
        if columns and isinstance(out.get(key), list):
            out[key] = [
                {c: row[c] for c in (*columns, *row) if c in row} if isinstance(row, dict) else row
                for row in out[key]
            ]
    return out
