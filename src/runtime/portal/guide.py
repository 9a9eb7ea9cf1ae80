"""A service guide (办事指南) as the item page shows it: every public element, in the
sections the guide is compiled in, with values as a reader expects them.

Pure: a document and a record's values in, sections out; nothing but `public`
fields ever leaves, and never a field marked `pii`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from yiwang.metadata.documents.display import display_value
from yiwang.platform.i18n import translate

#: the staff form whose sections order the guide's elements
GUIDE_FORM: Final = "compile"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    text: str | None = None
    table: Table | None = None


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    elements: list[Element] = field(default_factory=list)


def code_labels(document: Mapping[str, Any], definition: Mapping[str, Any]) -> dict[str, str]:
    name = definition.get("code_list")
    if not name:
        return {}
    values = document.get("code_lists", {}).get(name, {}).get("values", [])
    return {str(v["code"]): str(v["label"]) for v in values}


def shown(document: Mapping[str, Any], definition: Mapping[str, Any] | None, value: Any) -> str:
    """One value as text; "" for nothing (the template says 无)."""
    if value is None or value == "" or value == []:
        return ""
    if definition is not None and definition.get("type") == "attachment":
        return str(value.get("name", "")) if isinstance(value, Mapping) else ""
    return display_value(definition, value, code_labels(document, definition or {}))


def _public(definition: Mapping[str, Any]) -> bool:
    return definition.get("public") is True and not definition.get("pii")


def _element(document: Mapping[str, Any], key: str, value: Any) -> Element:
    definition = document["fields"][key]
    if definition["type"] != "table":
        return Element(key, definition["label"], text=shown(document, definition, value))
    columns: Mapping[str, Any] = definition.get("columns", {})
    keys = [k for k, c in columns.items() if not c.get("pii")]
    rows = tuple(
        tuple(shown(document, columns[k], row.get(k)) for k in keys)
        for row in (value if isinstance(value, list) else [])
        if isinstance(row, Mapping)
    )
    return Element(
        key, definition["label"], table=Table(tuple(columns[k]["label"] for k in keys), rows)
    )


def guide_sections(document: Mapping[str, Any], values: Mapping[str, Any]) -> list[Section]:
    """Every public field, once, in the guide form's order; the rest in a last section."""
    fields: Mapping[str, Any] = document["fields"]
    sections: list[Section] = []
    placed: set[str] = set()
    form = document.get("forms", {}).get(GUIDE_FORM, {})
    for raw in form.get("sections", []):
        keys: Sequence[str] = [
            k
            for k in raw.get("fields", [])
            if k in fields and _public(fields[k]) and k not in placed
        ]
        if keys:
            placed.update(keys)
            sections.append(
                Section(
                    raw["key"], raw["label"], [_element(document, k, values.get(k)) for k in keys]
                )
            )
    rest = [k for k, d in fields.items() if _public(d) and k not in placed]
    if rest:
        sections.append(
            Section(
                "more",
                translate("portal.item.more"),
                [_element(document, k, values.get(k)) for k in rest],
            )
        )
    return sections
