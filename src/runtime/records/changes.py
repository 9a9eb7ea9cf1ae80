"""A record's changes as its history stores them: field by field, personal data masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.runtime.records import privacy


def shown(document: Document, key: str, value: Any) -> Any:
    definition = document["fields"].get(key)
    if definition is None or value is None:
        return value
    if definition.get("pii"):
        return privacy.mask_value(definition, key, value)
    columns = [c for c, d in definition.get("columns", {}).items() if d.get("pii")]
    if columns and isinstance(value, list):
        return [
            {
                c: privacy.mask_value(definition["columns"][c], c, v) if c in columns else v
                for c, v in row.items()
            }
            if isinstance(row, dict)
            else row
            for row in value
        ]
    return value


def field_changes(
    document: Document, before: Mapping[str, Any], after: Mapping[str, Any], prefix: str
) -> list[dict[str, Any]]:
    """Which fields changed from what to what, in the document's order; personal data masked."""
    keys = [k for k in document["fields"] if k in before or k in after]
    keys += [k for k in (*before, *after) if k not in document["fields"] and k not in keys]
    out: list[dict[str, Any]] = []
    for key in dict.fromkeys(keys):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        entry: dict[str, Any] = {
            "field": f"{prefix}/{key}",
            "from": shown(document, key, old),
            "to": shown(document, key, new),
        }
        if document["fields"].get(key, {}).get("pii"):
            entry["personal"] = True
        out.append(entry)
    return out
