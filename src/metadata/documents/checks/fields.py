"""Fields and code lists: bounds ordered, references resolved, patterns that compile in
both engines, defaults that are valid values, file types verified by content."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from functools import lru_cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.conditions import referenced_fields
from yiwang.metadata.documents.field_types import (
    ACCEPTABLE_FILE_TYPES,
    COMMON_PROPERTIES,
    LOWER_BOUNDS,
    TYPE_PROPERTIES,
    UPPER_BOUNDS,
    value_schema,
)
from yiwang.platform.errors import ErrorDetail


def field_errors(
    field: Mapping[str, Any],
    pointer: str,
    code_lists: Mapping[str, Any],
    types: Collection[str],
    fields: Mapping[str, Any],
) -> Iterator[ErrorDetail]:
    kind = field["type"]
    allowed = COMMON_PROPERTIES | TYPE_PROPERTIES[kind]
    for name in field:
        if name not in allowed:
            yield ErrorDetail(
                "metadata.field.property_for_type",
                pointers.join(pointer, name),
                {"property": name, "type": kind},
            )
    for low, high in zip(LOWER_BOUNDS, UPPER_BOUNDS, strict=False):
        if low in field and high in field and field[low] > field[high]:
            yield ErrorDetail(
                "metadata.field.bounds_inverted",
                pointers.join(pointer, low),
                {"low": low, "high": high, "min": field[low], "max": field[high]},
            )
    if "pattern" in field:
        yield from _pattern(field["pattern"], pointers.join(pointer, "pattern"))
    for index, accepted in enumerate(field.get("accept", ())):
        if accepted not in ACCEPTABLE_FILE_TYPES:
            yield ErrorDetail(
                "metadata.field.accept_unsupported",
                pointers.join(pointer, "accept", index),
                {"value": accepted, "allowed": "、".join(ACCEPTABLE_FILE_TYPES)},
            )
    if "code_list" in field and field["code_list"] not in code_lists:
        yield ErrorDetail(
            "metadata.field.code_list_missing",
            pointers.join(pointer, "code_list"),
            {"code_list": field["code_list"]},
        )
    if "ref_type" in field and field["ref_type"] not in types:
        yield ErrorDetail(
            "metadata.field.ref_type_missing",
            pointers.join(pointer, "ref_type"),
            {"ref_type": field["ref_type"]},
        )
    if "required_when" in field:
        yield from condition_errors(
            field["required_when"], pointers.join(pointer, "required_when"), fields
        )
    if field.get("pii") and field.get("public"):
        yield ErrorDetail("metadata.document.pii_published", pointers.join(pointer, "public"), {})
    for key, column in field.get("columns", {}).items():
        yield from field_errors(
            column, pointers.join(pointer, "columns", key), code_lists, types, field["columns"]
        )
    if "default" in field:
        yield from _default(field, pointer, code_lists)


def _pattern(pattern: str, pointer: str) -> Iterator[ErrorDetail]:
    if not pattern_compiles(pattern):
        yield ErrorDetail("metadata.field.pattern_invalid", pointer, {"pattern": pattern})


@lru_cache(maxsize=4096)
def pattern_compiles(pattern: str) -> bool:
    """A pattern must compile for Python's `re` and for jsonschema-rs alike."""
    try:
        re.compile(pattern)
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern}, offline=True)
    except (re.error, ValueError, jsonschema_rs.ValidationError):
        return False
    return True


def _default(
    field: Mapping[str, Any], pointer: str, code_lists: Mapping[str, Any]
) -> Iterator[ErrorDetail]:
    if field.get("pattern"):
        try:
            re.compile(field["pattern"])
        except re.error:
            return

    def codes(key: str) -> list[str]:
        return [v["code"] for v in code_lists.get(key, {}).get("values", [])]

    schema = value_schema(field, codes)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    if not validator.is_valid(field["default"]):
        yield ErrorDetail(
            "metadata.field.default_invalid",
            pointers.join(pointer, "default"),
            {"value": repr(field["default"])[:60]},
        )


def condition_errors(
    condition: Mapping[str, Any], pointer: str, fields: Mapping[str, Any]
) -> Iterator[ErrorDetail]:
    for key, here in referenced_fields(condition, pointer):
        if key not in fields:
            yield ErrorDetail("metadata.condition.field_missing", here, {"field": key})
    yield from _condition_patterns(condition, pointer)


def _condition_patterns(node: Any, pointer: str) -> Iterator[ErrorDetail]:
    """Patterns anywhere in a condition must compile in both engines, like field patterns."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _condition_patterns(item, pointers.join(pointer, index))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            here = pointers.join(pointer, key)
            if key == "pattern" and isinstance(value, str):
                yield from _pattern(value, here)
            elif key not in ("const", "enum"):
                yield from _condition_patterns(value, here)


def code_list_errors(code_lists: Mapping[str, Any], pointer: str) -> Iterator[ErrorDetail]:
    for key, code_list in code_lists.items():
        seen: set[str] = set()
        catch_all: str | None = None
        for index, value in enumerate(code_list["values"]):
            if value["code"] in seen:
                yield ErrorDetail(
                    "metadata.code_list.duplicate_code",
                    pointers.join(pointer, key, "values", index, "code"),
                    {"code": value["code"], "code_list": key},
                )
            seen.add(value["code"])
            if value.get("catch_all"):
                if catch_all is not None:
                    yield ErrorDetail(
                        "metadata.code_list.catch_all_twice",
                        pointers.join(pointer, key, "values", index, "catch_all"),
                        {"code_list": key, "code": value["code"], "other": catch_all},
                    )
                catch_all = value["code"]
