"""Two citizen forms on one page: an envelope (the application's applicant, contact and
delivery) before a business form, as one descriptor the renderer draws unchanged.

The envelope's fields are renamed `<prefix>.<key>` (a field key never holds
a dot), its sections `<prefix>-<key>`, and its conditions follow the
renaming; the business form keeps its own names. `split` takes a post's
payload apart again, and `pointer` moves a record error (`/data/...`,
`/form/...`) onto the page's field. Pure: no session, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yiwang.metadata.documents import pointers

_CONDITION_KEYS = ("if", "then", "else", "not")
_CONDITION_LISTS = ("allOf", "anyOf", "oneOf")


def _rename_condition(node: Any, name: Callable[[str], str]) -> Any:
    """A top-level condition with the envelope's field names renamed (not nested ones)."""
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = dict(node)
    if isinstance(node.get("properties"), Mapping):
        out["properties"] = {name(k): v for k, v in node["properties"].items()}
    if isinstance(node.get("required"), list):
        out["required"] = [name(k) for k in node["required"]]
    for key in _CONDITION_KEYS:
        if key in node:
            out[key] = _rename_condition(node[key], name)
    for key in _CONDITION_LISTS:
        if isinstance(node.get(key), list):
            out[key] = [_rename_condition(c, name) for c in node[key]]
    return out


def compose(
    envelope: Mapping[str, Any], business: Mapping[str, Any], prefix: str
) -> dict[str, Any]:
    """One descriptor: the envelope's sections (renamed) first, then the business form's."""

    def name(key: str) -> str:
        return f"{prefix}.{key}"

    es, bs = envelope["schema"], business["schema"]
    schema = {
        **bs,
        "properties": {
            **{name(k): v for k, v in es["properties"].items()},
            **bs["properties"],
        },
        "required": [name(k) for k in es.get("required", [])] + list(bs.get("required", [])),
        "allOf": [_rename_condition(c, name) for c in es.get("allOf", [])]
        + list(bs.get("allOf", [])),
    }
    eu, bu = envelope["ui_schema"], business["ui_schema"]
    ui: dict[str, Any] = {name(k): v for k, v in eu.items() if not k.startswith("ui:")}
    ui.update(bu)
    ui["ui:order"] = [name(k) for k in eu["ui:order"]] + list(bu["ui:order"])
    envelope_sections = [
        {**s, "key": f"{prefix}-{s['key']}", "fields": [name(f) for f in s["fields"]]}
        for s in eu["ui:options"]["sections"]
    ]
    ui["ui:options"] = {
        **bu["ui:options"],
        "sections": envelope_sections + list(bu["ui:options"]["sections"]),
    }
    return {**business, "schema": schema, "ui_schema": ui}


def split(payload: Mapping[str, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A composed page's payload as (envelope values, business form values)."""
    mark = f"{prefix}."
    envelope = {k[len(mark) :]: v for k, v in payload.items() if k.startswith(mark)}
    business = {k: v for k, v in payload.items() if not k.startswith(mark)}
    return envelope, business


def pointer(record_pointer: str | None, prefix: str) -> str | None:
    """A record error's pointer on the composed page: `/data/x/0` -> `/<prefix>.x/0`,
    `/form/y` -> `/y`; anything else (a rule, the headers) has no field."""
    tokens = list(pointers.tokens(record_pointer or ""))
    if len(tokens) >= 2 and tokens[0] == "data":
        return pointers.join("", f"{prefix}.{tokens[1]}", *tokens[2:])
    if len(tokens) >= 2 and tokens[0] == "form":
        return pointers.join("", *tokens[1:])
    return record_pointer
