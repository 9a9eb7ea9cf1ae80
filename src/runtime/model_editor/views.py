"""What the editor's pages show of a model: a type's fields marked base or local, its code
lists and routes, a diff's values, an impact's tenants. Pure: no request, no session."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.i18n import translate
from yiwang.tenants.tree import TenantTree

#: how much of a diff's value a page shows
VALUE_CHARS = 200


@dataclass(frozen=True)
class FieldRow:
    key: str
    label: str
    type: str
    required: bool
    #: "base", "local" (added by an overlay) or "tightened" (a base field an overlay changed)
    origin: str
    origin_label: str


def _type_label(kind: str) -> str:
    try:
        return translate(f"model_editor.type.{kind}")
    except KeyError:  # a type newer than this page
        return kind


def field_rows(model: EffectiveModel, key: str, tree: TenantTree) -> list[FieldRow]:
    """The effective fields of type `key`, each marked by the layer that made it what it is."""
    layers = model.layer_documents(key)
    base_fields: Mapping[str, Any] = layers[0][1].get("fields", {})
    rows = []
    for name, definition in model.document(key)["fields"].items():
        if name not in base_fields:
            adder = next(t for t, doc in layers if name in doc.get("fields", {}))
            origin = "local"
            by = adder
        else:
            changed = [
                t
                for (t, doc), (_, prev) in zip(layers[1:], layers, strict=False)
                if doc.get("fields", {}).get(name) != prev.get("fields", {}).get(name)
            ]
            origin = "tightened" if changed else "base"
            by = changed[-1] if changed else ""
        name_of = tree.node(by).name if by and tree.get(by) is not None else by
        rows.append(
            FieldRow(
                key=name,
                label=str(definition.get("label", name)),
                type=_type_label(str(definition.get("type", ""))),
                required=bool(definition.get("required")),
                origin=origin,
                origin_label=translate(f"model_editor.origin.{origin}", name=name_of),
            )
        )
    return rows


def local_count(model: EffectiveModel, key: str) -> int:
    base = model.layer_documents(key)[0][1].get("fields", {})
    return sum(1 for name in model.document(key)["fields"] if name not in base)


def shown(value: Any) -> str:
    """A diff's value as a short line of JSON (Chinese kept readable)."""
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def first_invalid(rows: list[dict[str, object]]) -> str:
    """How the page names the first record that would fail: its number, else type and id."""
    if not rows:
        return ""
    row = rows[0]
    return str(row.get("number") or f"{row.get('type')} #{row.get('id')}")
