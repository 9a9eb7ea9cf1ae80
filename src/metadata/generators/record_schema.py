"""JSON Schema 2020-12 for record data, built from an effective model's layers.

A tenant's schema is `allOf` one part per layer (the base's, then each
region's new or changed fields, requirements and conditions), plus a closing
part: `unevaluatedProperties: false`, the tenant's complete code lists and the
complete columns of each table. The layer parts never close anything
(`additionalProperties: false` in the base would refuse every regional field);
only the closing part, which is the tenant's own, does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any, Final

from yiwang.metadata.documents.conditions import referenced_fields
from yiwang.metadata.documents.field_types import LIST_TYPES, value_schema
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel

SCHEMA_2020: Final = "https://json-schema.org/draft/2020-12/schema"
#: names the condition rule a `then` part states; errors below it carry the rule's label
RULE_ANNOTATION: Final = "x-yiwang-rule"


def conditionals(document: Document | None) -> list[dict[str, Any]]:
    """`if`/`then` pairs: fields required under a condition, and condition rules.

    A list (table, attachments, several codes) required under a condition
    needs at least one item: `[]` is no answer.
    """
    if document is None:
        return []
    out: list[dict[str, Any]] = []
    for key, field in document["fields"].items():
        if "required_when" in field:
            then: dict[str, Any] = {"required": [key]}
            if field["type"] in LIST_TYPES:
                then["properties"] = {key: {"minItems": max(1, field.get("min_items", 1))}}
            out.append({"if": field["required_when"], "then": then})
    for key, rule in document.get("rules", {}).items():
        if rule["kind"] == "condition":
            out.append({"if": rule["if"], "then": {**rule["then"], RULE_ANNOTATION: key}})
    return out


def layer_schema(
    before: Document | None, after: Document, only: Collection[str] | None = None
) -> dict[str, Any] | None:
    """What `after` adds to `before` as an open schema; None when it adds nothing.

    `only` restricts the part to some fields (a form's), dropping conditions
    that name any other field.
    """
    old_fields: Mapping[str, Any] = before["fields"] if before else {}
    keep = set(after["fields"]) if only is None else set(only)
    properties = {
        key: value_schema(field)
        for key, field in after["fields"].items()
        if key in keep and old_fields.get(key) != field
    }
    required = [
        key
        for key, field in after["fields"].items()
        if key in keep and field.get("required") and not old_fields.get(key, {}).get("required")
    ]
    inherited = conditionals(before)
    conditions = [c for c in conditionals(after) if c not in inherited and _names(c) <= keep]
    if not (properties or required or conditions):
        return None
    part: dict[str, Any] = {"type": "object"}
    if properties:
        part["properties"] = properties
    if required:
        part["required"] = required
    if conditions:
        part["allOf"] = conditions
    return part


def _names(condition: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for part in ("if", "then"):
        names.update(key for key, _ in referenced_fields(condition[part]))
    return names


def closing_part(document: Document, only: Collection[str] | None = None) -> dict[str, Any]:
    """The tenant's complete code lists and table columns, for the closing part.

    Code values are an `enum`, never `oneOf` of `const`s: react-jsonschema-form
    takes the first `const` as a default and would choose for the citizen.
    Labels travel in the UI descriptions.
    """
    code_lists: Mapping[str, Any] = document.get("code_lists", {})

    def allowed(code_list: str) -> dict[str, Any]:
        return {"enum": [v["code"] for v in code_lists[code_list]["values"]]}

    def closed(field: Mapping[str, Any]) -> dict[str, Any] | None:
        if field["type"] == "code":
            return allowed(field["code_list"])
        if field["type"] == "multi_code":
            return {"items": allowed(field["code_list"])}
        if field["type"] == "table":
            row: dict[str, Any] = {"propertyNames": {"enum": list(field["columns"])}}
            columns = {k: c for k, c in ((k, closed(c)) for k, c in field["columns"].items()) if c}
            if columns:
                row["properties"] = columns
            return {"items": row}
        return None

    keep = set(document["fields"]) if only is None else set(only)
    return {
        key: part
        for key, part in ((k, closed(f)) for k, f in document["fields"].items() if k in keep)
        if part is not None
    }


def _layers(
    effective: EffectiveModel, key: str, only: Collection[str] | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    previous: Document | None = None
    for tenant, document in effective.layer_documents(key):
        if document is previous:
            continue
        part = layer_schema(previous, document, only)
        previous = document
        if part is not None:
            yield f"layer_{tenant}", part


def compose_schema(
    effective: EffectiveModel,
    key: str,
    schema_id: str,
    only: Collection[str] | None,
) -> dict[str, Any]:
    document = effective.document(key)
    defs = dict(_layers(effective, key, only))
    schema: dict[str, Any] = {
        "$schema": SCHEMA_2020,
        "$id": schema_id,
        "title": document["label"],
        "type": "object",
        "$defs": defs,
        "allOf": [{"$ref": f"#/$defs/{name}"} for name in defs],
    }
    closing = closing_part(document, only)
    if closing:
        schema["properties"] = closing
    schema["unevaluatedProperties"] = False
    return schema


def record_schema(effective: EffectiveModel, key: str) -> dict[str, Any]:
    """The tenant's schema for records of item type (or business form) `key`."""
    return effective.memo(
        ("record_schema", key),
        lambda: compose_schema(
            effective,
            key,
            f"urn:yiwang:record:{effective.tenant}:{key}:{effective.content_hash[:16]}",
            None,
        ),
    )


def form_fields(document: Document, form_key: str) -> list[str]:
    """The fields a form shows, in order."""
    form = document["forms"][form_key]
    return [key for section in form["sections"] for key in section["fields"]]
