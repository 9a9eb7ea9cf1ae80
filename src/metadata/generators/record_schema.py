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
from yiwang.metadata.documents.field_types import value_schema
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import NotFound

SCHEMA_2020: Final = "https://json-schema.org/draft/2020-12/schema"


def conditionals(document: Document | None) -> list[dict[str, Any]]:
    """`if`/`then` pairs: fields required under a condition, and condition rules."""
    if document is None:
        return []
    out: list[dict[str, Any]] = []
    for key, field in document["fields"].items():
        if "required_when" in field:
            out.append({"if": field["required_when"], "then": {"required": [key]}})
    for rule in document.get("rules", {}).values():
        if rule["kind"] == "condition":
            out.append({"if": rule["if"], "then": rule["then"]})
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


def closing_part(
    document: Document, only: Collection[str] | None = None, *, titled: bool = False
) -> dict[str, Any]:
    """The tenant's complete code lists and table columns, for the closing part.

    With `titled`, code values become `oneOf` of `const` + `title`, the way
    form renderers show labels; verdicts are the same as with `enum`.
    """
    code_lists: Mapping[str, Any] = document.get("code_lists", {})

    def allowed(code_list: str) -> dict[str, Any]:
        values = code_lists[code_list]["values"]
        if titled:
            return {"oneOf": [{"const": v["code"], "title": v["label"]} for v in values]}
        return {"enum": [v["code"] for v in values]}

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


def _compose(
    effective: EffectiveModel,
    key: str,
    schema_id: str,
    only: Collection[str] | None,
    *,
    titled: bool,
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
    closing = closing_part(document, only, titled=titled)
    if closing:
        schema["properties"] = closing
    schema["unevaluatedProperties"] = False
    return schema


def record_schema(effective: EffectiveModel, key: str) -> dict[str, Any]:
    """The tenant's schema for records of item type (or business form) `key`."""
    return effective.memo(
        ("record_schema", key),
        lambda: _compose(
            effective,
            key,
            f"urn:yiwang:record:{effective.tenant}:{key}:{effective.content_hash[:16]}",
            None,
            titled=False,
        ),
    )


def form_fields(document: Document, form_key: str) -> list[str]:
    """The fields a form shows, in order."""
    form = document["forms"][form_key]
    return [key for section in form["sections"] for key in section["fields"]]


def form_schema(effective: EffectiveModel, key: str, form_key: str) -> dict[str, Any]:
    """The schema of what one form submits: its fields only, code values titled."""
    document = effective.document(key)
    if form_key not in document.get("forms", {}):
        raise NotFound("metadata.form.not_found", type=key, form=form_key)
    only = form_fields(document, form_key)
    return effective.memo(
        ("form_schema", key, form_key),
        lambda: _compose(
            effective,
            key,
            f"urn:yiwang:form:{effective.tenant}:{key}:{form_key}:{effective.content_hash[:16]}",
            only,
            titled=True,
        ),
    )
