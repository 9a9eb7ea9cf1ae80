"""Turn python-jsonschema errors into catalogue errors: a code, a pointer, params.

Used for both meta-schema errors (prefix `metadata.schema`) and record errors
(prefix `metadata.record`). A meta-schema node may name its own code with
`x-error-code` (every error raised there) or `x-error-codes` (per keyword), so
"unknown field type" is `metadata.field.type_unknown`, not a generic enum error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jsonschema.exceptions import ValidationError

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.display import display_value
from yiwang.platform.errors import ErrorDetail

#: keyword -> suffix of the catalogue code
KEYWORD_CODES: Mapping[str, str] = {
    "required": "required",
    "additionalProperties": "unknown_property",
    "unevaluatedProperties": "unknown_property",
    "propertyNames": "unknown_property",
    "type": "type",
    "enum": "enum",
    "const": "const",
    "pattern": "pattern",
    "format": "format",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "minItems": "min_items",
    "maxItems": "max_items",
    "uniqueItems": "unique_items",
    "minProperties": "min_properties",
    "not": "not",
    "anyOf": "any_of",
    "oneOf": "any_of",
    "false": "not_allowed",
}

_TYPE_NAMES: Mapping[str, str] = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否",
    "array": "列表",
    "object": "对象",
    "null": "空值",
}

#: for `unevaluatedProperties`, the caller says which keys are known at a location
KnownKeys = Callable[[Sequence[str | int]], Iterable[str] | None]
#: the human label of the value at a path (a field's label), or None
LabelOf = Callable[[Sequence[str | int]], str | None]


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_names(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return "、".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _custom_code(error: ValidationError) -> str | None:
    schema = error.schema
    if not isinstance(schema, dict):
        return None
    per_keyword = schema.get("x-error-codes")
    if isinstance(per_keyword, dict) and error.validator in per_keyword:
        return str(per_keyword[error.validator])
    code = schema.get("x-error-code")
    return str(code) if code else None


def details_from_errors(
    errors: Iterable[ValidationError],
    *,
    prefix: str = "metadata.schema",
    base_pointer: str = "",
    known_keys: KnownKeys | None = None,
    label_of: LabelOf | None = None,
) -> list[ErrorDetail]:
    """One ErrorDetail per problem, sorted by pointer, without duplicates."""
    details: list[ErrorDetail] = []
    seen: set[tuple[str, str | None, str]] = set()
    for error in errors:
        for detail in _details_of(error, prefix, base_pointer, known_keys, label_of):
            marker = (detail.code, detail.pointer, repr(sorted(detail.params.items())))
            if marker not in seen:
                seen.add(marker)
                details.append(detail)
    details.sort(key=lambda d: (d.pointer or "", d.code))
    return details


def _details_of(
    error: ValidationError,
    prefix: str,
    base_pointer: str,
    known_keys: KnownKeys | None,
    label_of: LabelOf | None,
) -> list[ErrorDetail]:
    keyword = str(error.validator) if error.validator is not None else "false"
    path = list(error.absolute_path)
    in_property_names = "propertyNames" in error.absolute_schema_path
    custom = _custom_code(error)
    if error.schema is False:
        keyword = "false"

    def make(path_: Sequence[str | int], code: str | None = None, **params: Any) -> ErrorDetail:
        label = label_of(path_) if label_of else None
        params.setdefault("rule", keyword)
        params["label"] = label or (str(path_[-1]) if path_ else "")
        pointer = pointers.from_path(path_, base_pointer)
        fallback = f"{prefix}.{KEYWORD_CODES.get(keyword, 'violation')}"
        return ErrorDetail(code or custom or fallback, pointer, params)

    if in_property_names:
        # the instance is the offending key; point at it
        key = str(error.instance)
        return [
            make(
                [*path, key],
                custom or f"{prefix}.unknown_property",
                property=key,
                value=_short(key),
            )
        ]
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [p for p in _listed(error.validator_value) if p not in instance]
        return [make([*path, p], property=p) for p in missing]
    if keyword == "additionalProperties" and isinstance(error.schema, dict):
        known = set(error.schema.get("properties", {}))
        patterns = error.schema.get("patternProperties", {})
        extras = [
            k
            for k in (error.instance if isinstance(error.instance, dict) else {})
            if k not in known and not any(re.search(p, k) for p in patterns)
        ]
        return [make([*path, k], property=k) for k in extras] or [make(path, property="")]
    if keyword == "unevaluatedProperties":
        allowed = set(known_keys(path) or ()) if known_keys else set()
        instance = error.instance if isinstance(error.instance, dict) else {}
        # a failing part drops its annotations, so its keys look unevaluated too:
        # report only keys the caller does not know at all
        extras = [k for k in instance if k not in allowed]
        return [make([*path, k], property=k) for k in extras]
    if keyword == "false":
        key = str(path[-1]) if path else ""
        return [make(path, property=key)]
    params: dict[str, Any] = {"value": _short(error.instance)}
    if keyword == "type":
        params["expected"] = type_names(error.validator_value)
    elif keyword == "enum":
        params["allowed"] = "、".join(_short(v, 20) for v in _listed(error.validator_value)[:20])
    elif keyword == "const":
        params["expected"] = _short(display_value(None, error.validator_value))
    elif keyword in {"pattern", "format"}:
        params[keyword] = error.validator_value
    elif keyword in {
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minItems",
        "maxItems",
        "minProperties",
    }:
        params["limit"] = error.validator_value
    return [make(path, **params)]
