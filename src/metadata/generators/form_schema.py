"""The schema of what one form submits: flat, closed, the same for client and server.

A form's schema is the tenant's layered schema restricted to the form's
fields, flattened (`draft07.to_draft07`, proven to keep every verdict) and
then stamped with the dialect asked for: the body is the same in 2020-12 and
draft-07, because every keyword it uses means the same in both. Flat matters
to the clients: JSON Forms finds a control's type at `#/properties/<field>`,
not behind `$ref`s into layer parts (with the layered schema it lost
multi-value codes and table columns).

The server validates a form submission against this very schema
(`validation.form_validator`), so a payload a client's Ajv accepts is one the
server accepts, with two additions JSON Schema cannot state, which the
schema carries as documented extensions a client may apply:

- `x-yiwang-check` on a string: the check character (GB 11643, GB 32100);
- `x-yiwang-rules` at the root: comparisons between two fields
  ("持健康证明人数不得超过从业人员数"), each with the pointer and the message.

Internal fields (`internal: true`: filled by the platform or by staff) are
never part of a citizen's form, nor is any condition or rule naming one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.conditions import referenced_fields
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.draft07 import SCHEMA_07, to_draft07
from yiwang.metadata.generators.record_rules import compare_detail
from yiwang.metadata.generators.record_schema import (
    RULE_ANNOTATION,
    SCHEMA_2020,
    compose_schema,
    form_fields,
)
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import NotFound

#: the root extension listing comparison rules a client can apply
RULES_EXTENSION: Final = "x-yiwang-rules"
DIALECTS: Final[Mapping[str, str]] = {"2020-12": SCHEMA_2020, "draft-07": SCHEMA_07}


def citizen_fields(document: Document, form_key: str) -> list[str]:
    """The fields a form shows a citizen: its own, in order, internal ones left out."""
    fields = document["fields"]
    return [k for k in form_fields(document, form_key) if not fields[k].get("internal")]


def _names(condition: Mapping[str, Any]) -> set[str]:
    return {key for key, _ in referenced_fields(condition)}


def shown_comparisons(document: Document, shown: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    """The comparison rules a form can check: both sides, and any `when`, on the form."""
    keep = set(shown)
    out: dict[str, Mapping[str, Any]] = {}
    for key, rule in document.get("rules", {}).items():
        if rule["kind"] != "compare" or not {rule["left"], rule["right"]} <= keep:
            continue
        if "when" in rule and not _names(rule["when"]) <= keep:
            continue
        out[key] = rule
    return out


def _rules_extension(document: Document, shown: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, rule in shown_comparisons(document, shown).items():
        detail = compare_detail(document, key, rule)
        entry: dict[str, Any] = {
            "rule": key,
            "kind": "compare",
            "left": pointers.join("", rule["left"]),
            "op": rule["op"],
            "right": pointers.join("", rule["right"]),
            "pointer": detail.pointer,
            "message": detail.message(),
        }
        if "when" in rule:
            entry["when"] = json_copy(rule["when"])
        out.append(entry)
    return out


def _must_be_true(document: Document, shown: Sequence[str]) -> dict[str, str]:
    """Booleans a condition rule forces to true when given (承诺, 授权): field -> rule."""
    fields = document["fields"]
    out: dict[str, str] = {}
    for key, rule in document.get("rules", {}).items():
        required = rule["if"].get("required", []) if rule["kind"] == "condition" else []
        if set(rule.get("if", {})) != {"required"} or len(required) != 1:
            continue
        name = required[0]
        forced = rule["then"] == {"properties": {name: {"const": True}}}
        if forced and name in shown and fields[name]["type"] == "boolean":
            out.setdefault(name, key)
    return out


def _flat(effective: EffectiveModel, key: str, form_key: str) -> dict[str, Any]:
    document = effective.document(key)
    shown = citizen_fields(document, form_key)
    schema_id = f"urn:yiwang:form:{effective.tenant}:{key}:{form_key}:{effective.content_hash[:16]}"
    flat = to_draft07(compose_schema(effective, key, schema_id, shown))
    flat.pop("$schema", None)
    flat["$id"] = schema_id
    properties: dict[str, Any] = flat["properties"]
    # a required box that must be ticked says so itself: `enum: [true]` (never `const`,
    # which react-jsonschema-form would tick for the citizen); same verdict as the rule
    folded = _must_be_true(document, shown)
    for name, rule in folded.items():
        properties[name] = {**properties[name], "enum": [True], RULE_ANNOTATION: rule}
    # a required yes-or-no question is a choice of two, answered by the citizen: rjsf
    # answers every required `type: boolean` with false by itself, an `enum` it leaves empty
    required = set(flat.get("required", []))
    for name in shown:
        prop = properties.get(name, {})
        if name in required and name not in folded and prop.get("type") == "boolean":
            properties[name] = {k: v for k, v in prop.items() if k != "type"} | {
                "enum": [True, False]
            }
    conditions = [
        c for c in flat.pop("allOf", []) if c.get("then", {}).get(RULE_ANNOTATION) not in folded
    ]
    if conditions:
        flat["allOf"] = conditions
    flat["properties"] = {k: properties[k] for k in shown if k in properties}
    rules = _rules_extension(document, shown)
    if rules:
        flat[RULES_EXTENSION] = rules
    return flat


def form_schema(
    effective: EffectiveModel, key: str, form_key: str, dialect: str = "2020-12"
) -> dict[str, Any]:
    """The schema of what form `form_key` submits, in `dialect` (2020-12 or draft-07)."""
    document = effective.document(key)
    if form_key not in document.get("forms", {}):
        raise NotFound("metadata.form.not_found", type=key, form=form_key)
    flat = effective.memo(("form_schema", key, form_key), lambda: _flat(effective, key, form_key))
    suffix = "" if dialect == "2020-12" else f":{dialect}"
    return {"$schema": DIALECTS[dialect], **flat, "$id": flat["$id"] + suffix}
