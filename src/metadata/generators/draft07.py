"""Flatten a generated 2020-12 schema into draft-07 with the same verdicts.

react-jsonschema-form and JSON Forms validate with Ajv, whose default class
knows only draft-07: it rejects `$defs`/`unevaluatedProperties` or silently
ignores them. Our generated schemas have one shape (local `$ref`s to layer
parts, `allOf`, a closing `unevaluatedProperties: false`), so flattening is
exact: inline the references, merge the layer parts into one object, and
close it with `additionalProperties: false` over the union of properties,
which is what `unevaluatedProperties` saw. A test proves equal verdicts on
generated payloads for every schema the base model and overlays produce.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.hashing import json_copy

SCHEMA_07: Final = "http://json-schema.org/draft-07/schema#"
_ANNOTATIONS: Final = frozenset({"title", "description", "default"})
#: bounds two parts may both set: together they mean the tighter one
_LOWER: Final = frozenset({"minimum", "minLength", "minItems"})
_UPPER: Final = frozenset({"maximum", "maxLength", "maxItems"})
#: keywords that read the `properties` next to them
_CLOSERS: Final = frozenset({"additionalProperties", "patternProperties", "unevaluatedProperties"})


def to_draft07(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The draft-07 equivalent of a schema made by `record_schema`."""
    inlined = _inline(json_copy(dict(schema)), schema)
    closed = inlined.pop("unevaluatedProperties", None) is False
    layers = inlined.pop("allOf", [])
    flat: dict[str, Any] = {}
    for key in ("title", "description"):
        if key in inlined:
            flat[key] = inlined.pop(key)
    flat["type"] = "object"
    for part in [*layers, {k: v for k, v in inlined.items() if k in ("properties", "required")}]:
        flat = _merge(flat, part)
    flat.setdefault("properties", {})
    if closed:
        flat["additionalProperties"] = False
    out: dict[str, Any] = {"$schema": SCHEMA_07}
    if "$id" in schema:
        out["$id"] = f"{schema['$id']}:draft-07"
    out.update(flat)
    return out


def _inline(node: Any, root: Mapping[str, Any]) -> Any:
    """Replace local `$ref`s by their targets; drop `$defs`, `$schema`, `$id`."""
    if isinstance(node, list):
        return [_inline(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = _resolve(node["$ref"], root)
        rest = {k: v for k, v in node.items() if k != "$ref"}
        resolved = _inline(json_copy(target), root)
        return _merge(resolved, _inline(rest, root)) if rest else resolved
    return {k: _inline(v, root) for k, v in node.items() if k not in ("$defs", "$schema", "$id")}


def _resolve(ref: str, root: Mapping[str, Any]) -> Any:
    if not ref.startswith("#"):
        raise ValueError(f"only local references can be flattened: {ref!r}")
    node: Any = root
    for token in pointers.tokens(ref[1:]):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """One schema equivalent to `a` and `b` together, keywords merged where safe.

    Two values of one assertion keyword that differ cannot be merged into one
    keyword; the pair then becomes `allOf: [a, b]`, which draft-07 knows.
    """
    if a == b:
        return dict(a)
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif out[key] == value:
            continue
        elif key in _ANNOTATIONS:
            out[key] = value
        elif key in _LOWER and _numbers(out[key], value):
            out[key] = max(out[key], value)
        elif key in _UPPER and _numbers(out[key], value):
            out[key] = min(out[key], value)
        elif key in ("required", "allOf"):
            out[key] = [*out[key], *(v for v in value if v not in out[key])]
        elif key == "properties" and not (_CLOSERS & (a.keys() | b.keys())):
            merged = dict(out[key])
            for name, sub in value.items():
                merged[name] = _merge(merged[name], sub) if name in merged else sub
            out[key] = merged
        elif key == "items" and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merge(out[key], value)
        else:
            return {"allOf": [dict(a), dict(b)]}
    return out


def _numbers(a: Any, b: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
