"""Conditions are JSON Schemas applied to a record; here, what they refer to.

A condition such as `{"properties": {"server_type": {"const": "2"}},
"required": ["server_type"]}` names record fields; a condition naming a field
the document lacks would silently never (or always) hold, so it is an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from yiwang.metadata.documents import pointers

_NESTED = ("not", "if", "then", "else")
_NESTED_LISTS = ("allOf", "anyOf", "oneOf")


def referenced_fields(condition: Mapping[str, Any], pointer: str = "") -> Iterator[tuple[str, str]]:
    """Yield (field key, pointer of the reference) for every record field named.

    Only the record level counts: `properties` inside a property's own
    condition describe that value (a table row, an attachment), not fields.
    """
    for key in condition.get("properties", {}):
        yield key, pointers.join(pointer, "properties", key)
    for index, key in enumerate(condition.get("required", [])):
        yield key, pointers.join(pointer, "required", index)
    for name in _NESTED:
        if isinstance(condition.get(name), dict):
            yield from referenced_fields(condition[name], pointers.join(pointer, name))
    for name in _NESTED_LISTS:
        for index, item in enumerate(condition.get(name, [])):
            if isinstance(item, dict):
                yield from referenced_fields(item, pointers.join(pointer, name, index))
