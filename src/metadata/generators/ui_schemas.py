"""Form descriptions for existing front-ends: react-jsonschema-form and JSON Forms.

Both pair a data schema (`record_schema.form_schema`, or its draft-07 twin
for stock Ajv set-ups) with a UI description generated here. Types the
generic widgets cannot render well (money in 分, divisions, departments,
people, references, attachments) carry `yiwang:type` in their options so a
client may plug in its own widget; the stock one still works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.metadata.generators.record_schema import form_fields
from yiwang.metadata.resolution.resolve import EffectiveModel

#: at most this many code values render as radio buttons rather than a select
_RADIO_LIMIT: Final = 5
_CUSTOM_TYPES: Final = frozenset(
    {"money", "division", "department", "person", "reference", "attachment", "attachments"}
)


def _field_options(field: Mapping[str, Any], code_count: int) -> dict[str, Any]:
    kind = field["type"]
    options: dict[str, Any] = {}
    if kind in _CUSTOM_TYPES:
        options["yiwang:type"] = kind
    if kind == "reference":
        options["ref_type"] = field["ref_type"]
    if kind in ("attachment", "attachments") and field.get("accept"):
        options["accept"] = ",".join(field["accept"])
    if kind == "decimal" and "scale" in field:
        options["scale"] = field["scale"]
    return options


def _code_count(document: Mapping[str, Any], field: Mapping[str, Any]) -> int:
    code_list = document.get("code_lists", {}).get(field.get("code_list", ""), {})
    return len(code_list.get("values", []))


def _rjsf_field(document: Mapping[str, Any], field: Mapping[str, Any]) -> dict[str, Any]:
    kind = field["type"]
    ui: dict[str, Any] = {}
    if kind == "long_text":
        ui["ui:widget"] = "textarea"
    elif kind == "code":
        ui["ui:widget"] = "radio" if _code_count(document, field) <= _RADIO_LIMIT else "select"
    elif kind == "multi_code":
        ui["ui:widget"] = "checkboxes"
    elif kind == "datetime":
        ui["ui:widget"] = "datetime"
    elif kind == "table":
        columns = field["columns"]
        ui["items"] = {"ui:order": list(columns)} | {
            key: _rjsf_field(document, col) for key, col in columns.items()
        }
    if field.get("help"):
        ui["ui:help"] = field["help"]
    if field.get("placeholder"):
        ui["ui:placeholder"] = field["placeholder"]
    options = _field_options(field, _code_count(document, field))
    if options:
        ui["ui:options"] = options
    return ui


def rjsf_ui_schema(effective: EffectiveModel, key: str, form_key: str) -> dict[str, Any]:
    """A react-jsonschema-form `uiSchema`: field order, widgets, help, sections.

    RJSF has no sections; they are listed under `ui:options.sections` for a
    client layout, and the order follows them. Conditional sections need a
    client hook (or JSON Forms, whose rules express them directly).
    """
    document = effective.document(key)
    fields = document["fields"]
    form = document["forms"][form_key]
    order = form_fields(document, form_key)
    ui: dict[str, Any] = {"ui:order": order}
    ui["ui:options"] = {
        "sections": [
            {"key": s["key"], "title": s["label"], "fields": list(s["fields"])}
            | ({"visible_when": s["visible_when"]} if "visible_when" in s else {})
            for s in form["sections"]
        ]
    }
    for name in order:
        field_ui = _rjsf_field(document, fields[name])
        if field_ui:
            ui[name] = field_ui
    return ui


def _jsonforms_control(
    document: Mapping[str, Any], key: str, field: Mapping[str, Any]
) -> dict[str, Any]:
    control: dict[str, Any] = {
        "type": "Control",
        "scope": f"#/properties/{key}",
        "label": field["label"],
    }
    options: dict[str, Any] = _field_options(field, _code_count(document, field))
    if field["type"] == "long_text":
        options["multi"] = True
    elif field["type"] == "code" and _code_count(document, field) <= _RADIO_LIMIT:
        options["format"] = "radio"
    elif field["type"] == "table":
        options["detail"] = {
            "type": "VerticalLayout",
            "elements": [
                _jsonforms_control(document, col_key, col)
                for col_key, col in field["columns"].items()
            ],
        }
    if field.get("placeholder"):
        options["placeholder"] = field["placeholder"]
    if options:
        control["options"] = options
    return control


def jsonforms_ui_schema(effective: EffectiveModel, key: str, form_key: str) -> dict[str, Any]:
    """A JSON Forms `uischema`: one Group per section, conditional ones behind a SHOW rule."""
    document = effective.document(key)
    fields = document["fields"]
    groups: list[dict[str, Any]] = []
    for section in document["forms"][form_key]["sections"]:
        group: dict[str, Any] = {
            "type": "Group",
            "label": section["label"],
            "elements": [_jsonforms_control(document, k, fields[k]) for k in section["fields"]],
        }
        if "visible_when" in section:
            group["rule"] = {
                "effect": "SHOW",
                "condition": {"scope": "#", "schema": section["visible_when"]},
            }
        groups.append(group)
    return {"type": "VerticalLayout", "elements": groups}
