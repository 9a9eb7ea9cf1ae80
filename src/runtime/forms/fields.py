"""What each field of a descriptor is, for a page: read from the descriptor alone.

The HTML form is one more client of the descriptor, like rjsf and JSON
Forms: it learns a field's kind from the schema and the widget contract
(`ui_schema[...]["ui:options"]["yiwang"]`), never from the metadata behind it,
so it renders whatever any tenant's model generates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

#: the kinds an HTML form distinguishes
KINDS: Final = frozenset(
    {
        "text",
        "long_text",
        "integer",
        "number",
        "money",
        "date",
        "datetime",
        "yes_no",
        "tick",
        "code",
        "codes",
        "picker",
        "file",
        "files",
        "table",
    }
)


@dataclass(frozen=True)
class FieldSpec:
    """One field (or table column) of a form, as the page needs it."""

    key: str
    label: str
    kind: str
    schema: Mapping[str, Any]
    ui: Mapping[str, Any]
    required: bool
    help: str | None
    #: (value, label) for codes
    choices: tuple[tuple[str, str], ...] = ()
    #: the columns of a table
    columns: tuple[FieldSpec, ...] = ()

    @property
    def contract(self) -> Mapping[str, Any]:
        options: Mapping[str, Any] = self.ui.get("ui:options", {})
        yiwang: Mapping[str, Any] = options.get("yiwang", {})
        return yiwang


def _kind(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> str:
    widget = ui.get("ui:options", {}).get("yiwang", {}).get("widget")
    if widget == "yiwang-file":
        return "files" if schema.get("type") == "array" else "file"
    if widget == "yiwang-picker":
        return "picker"
    if widget == "yiwang-money":
        return "money"
    if schema.get("enum") == [True, False]:
        return "yes_no"
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        return "table" if items.get("type") == "object" else "codes"
    if kind == "boolean":
        return (
            "tick" if schema.get("enum") == [True] or ui.get("ui:widget") != "radio" else "yes_no"
        )
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if "enum" in schema:
        return "code"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "datetime"
    return "long_text" if ui.get("ui:widget") == "textarea" else "text"


def _choices(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if "enum" in schema and schema.get("type") == "string":
        values, names = schema["enum"], ui.get("ui:enumNames", [])
    elif schema.get("type") == "array" and "enum" in schema.get("items", {}):
        values, names = schema["items"]["enum"], ui.get("items", {}).get("ui:enumNames", [])
    else:
        return ()
    return tuple((str(v), names[i] if i < len(names) else str(v)) for i, v in enumerate(values))


def spec_of(
    key: str, schema: Mapping[str, Any], ui: Mapping[str, Any], *, required: bool
) -> FieldSpec:
    kind = _kind(schema, ui)
    columns: tuple[FieldSpec, ...] = ()
    if kind == "table":
        row = schema["items"]
        row_required = set(row.get("required", []))
        row_ui: Mapping[str, Any] = ui.get("items", {})
        columns = tuple(
            spec_of(col, col_schema, row_ui.get(col, {}), required=col in row_required)
            for col, col_schema in row.get("properties", {}).items()
        )
    return FieldSpec(
        key=key,
        label=str(schema.get("title", key)),
        kind=kind,
        schema=schema,
        ui=ui,
        required=required,
        help=schema.get("description"),
        choices=_choices(schema, ui),
        columns=columns,
    )


def conditionally_required(schema: Mapping[str, Any]) -> set[str]:
    """Fields some condition may require (shown as such: 符合条件时必填)."""
    out: set[str] = set()
    for condition in schema.get("allOf", []):
        out.update(condition.get("then", {}).get("required", []))
    return out


def form_specs(descriptor: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """Every field the descriptor's form shows, by key, in its order."""
    schema = descriptor["schema"]
    ui = descriptor["ui_schema"]
    required = set(schema.get("required", []))
    return {
        key: spec_of(key, schema["properties"][key], ui.get(key, {}), required=key in required)
        for key in ui["ui:order"]
        if key in schema["properties"]
    }
