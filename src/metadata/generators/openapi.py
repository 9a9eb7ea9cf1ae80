"""A tenant's record schemas as OpenAPI 3.1 components.

OpenAPI 3.1 speaks JSON Schema 2020-12, so the record schemas go in as they
are; only their layer parts move from `$defs` to named components, so a
client generator sees the base and each region's part under its own name.
"""

from __future__ import annotations

from typing import Any

from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.resolution.resolve import EffectiveModel


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite_refs(v, prefix) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        out["$ref"] = f"#/components/schemas/{prefix}.{ref[len('#/$defs/') :]}"
    return out


def openapi_components(effective: EffectiveModel) -> dict[str, Any]:
    """`{"components": {"schemas": {...}}}` for every document of the tenant's model."""

    def build() -> dict[str, Any]:
        schemas: dict[str, Any] = {}
        for key in effective.documents:
            schema = record_schema(effective, key)
            for name, part in schema.get("$defs", {}).items():
                schemas[f"{key}.{name}"] = _rewrite_refs(part, key)
            body = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")}
            schemas[key] = _rewrite_refs(body, key)
        return {"components": {"schemas": schemas}}

    result: dict[str, Any] = effective.memo(("openapi",), build)
    return result
