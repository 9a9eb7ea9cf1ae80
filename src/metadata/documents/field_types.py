"""What each field type is: the properties it accepts and the JSON Schema of its value.

Generated schemas use only keywords that python-jsonschema, jsonschema-rs and
Ajv (draft-07) treat alike: formats whose checks differ between them (email,
uri) are expressed as patterns, character classes are ASCII (`[0-9]`, never
`\\d`), money is an integer number of 分 (never a float with `multipleOf`:
0.07 is not a multiple of 0.01 in binary floating point, and validators
disagree about it). Forms show and take money in 元; the widget converts.

A check character (resident ID numbers, GB 11643; unified social credit
codes, GB 32100) is a weighted sum modulo 11 or 31 that no JSON Schema
keyword can compute: the pattern checks the shape and `x-yiwang-check`
names the algorithm, which the server always applies and a client may.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

COMMON_PROPERTIES: Final = frozenset(
    {
        "type",
        "label",
        "help",
        "placeholder",
        "required",
        "required_when",
        "default",
        "public",
        "pii",
        "filled_by",
        "internal",
    }
)

#: properties each type accepts beyond the common ones; `indexed` only for scalars
TYPE_PROPERTIES: Final[Mapping[str, frozenset[str]]] = {
    "text": frozenset({"min_length", "max_length", "pattern", "format", "indexed"}),
    "long_text": frozenset({"min_length", "max_length"}),
    "integer": frozenset({"min", "max", "indexed"}),
    "decimal": frozenset({"min", "max", "scale", "indexed"}),
    "money": frozenset({"min", "max", "indexed"}),
    "date": frozenset({"indexed"}),
    "datetime": frozenset({"indexed"}),
    "boolean": frozenset({"indexed"}),
    "code": frozenset({"code_list", "indexed"}),
    "multi_code": frozenset({"code_list", "min_items", "max_items"}),
    "division": frozenset({"indexed"}),
    "department": frozenset({"indexed"}),
    "person": frozenset({"indexed"}),
    "attachment": frozenset({"accept", "max_size"}),
    "attachments": frozenset({"accept", "max_size", "min_items", "max_items"}),
    "reference": frozenset({"ref_type", "indexed"}),
    "table": frozenset({"columns", "min_items", "max_items"}),
}

#: the file types an attachment field may accept: those the platform recognises by
#: their content (the runtime's attachment verifier holds a signature for each), so a
#: field can never admit a type whose files cannot be told from a disguised one
#: (`text/html`, `image/svg+xml`, wildcards). A field without `accept` takes them all.
ACCEPTABLE_FILE_TYPES: Final = (
    "application/pdf",
    "application/ofd",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.ms-excel",
)

#: bounds an overlay may only tighten: lower bounds rise, upper bounds fall
LOWER_BOUNDS: Final = ("min", "min_length", "min_items")
UPPER_BOUNDS: Final = ("max", "max_length", "max_items", "max_size")

#: record fields the platform keeps in typed columns; metadata may not define them
RESERVED_KEYS: Final = frozenset({"id", "tenant_id", "status", "version", "created_at"})

FORMAT_PATTERNS: Final[Mapping[str, str]] = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uri": r"^https?://[^\s]+$",
    # a mainland mobile number, or a fixed line with its area code (010, 0931, ...),
    # an optional dash, a 7- or 8-digit number not starting with 0 or 1, an extension
    "phone": r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}(-[0-9]{1,6})?)$",
    "id_card": (
        r"^[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]$"
    ),
    "credit_code": r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "postal_code": r"^[0-9]{6}$",
}

#: years 1000-9999: Python's `date` has no year 0, Rust's checker accepts it
DATE_PATTERN: Final = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
#: RFC 3339 without leap seconds (python and Rust checkers disagree on `:60`)
DATETIME_PATTERN: Final = (
    r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
DIVISION_PATTERN: Final = r"^[0-9]{6}$"
#: formats whose last character is a check character, and the algorithm that computes it
CHECKED_FORMATS: Final[Mapping[str, str]] = {"id_card": "gb11643", "credit_code": "gb32100"}
#: value types that hold a list; "required" for them means at least one item
LIST_TYPES: Final = frozenset({"multi_code", "attachments", "table"})
SHA256_PATTERN: Final = r"^[0-9a-f]{64}$"

#: every value must have one of these JSON types
_TYPE_SCHEMAS: Final[Mapping[str, Mapping[str, Any]]] = {
    "text": {"type": "string"},
    "long_text": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "money": {"type": "integer"},
    "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    "datetime": {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
    "boolean": {"type": "boolean"},
    "code": {"type": "string"},
    "multi_code": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
    "division": {"type": "string", "pattern": DIVISION_PATTERN},
    "department": {"type": "string", "minLength": 1, "maxLength": 64},
    "person": {"type": "string", "minLength": 1, "maxLength": 64},
    "reference": {"type": "string", "minLength": 1, "maxLength": 64},
}

#: code list values by list key, for the closed parts of a schema
CodeValues = Callable[[str], Sequence[str]]


def attachment_schema(field: Mapping[str, Any]) -> dict[str, Any]:
    """An uploaded file as the object store knows it (platform-defined, closed)."""
    size: dict[str, Any] = {"type": "integer", "minimum": 0}
    if "max_size" in field:
        size["maximum"] = field["max_size"]
    content_type: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 128}
    if field.get("accept"):
        content_type = {"enum": list(field["accept"])}
    return {
        "type": "object",
        "required": ["key", "name"],
        "additionalProperties": False,
        "properties": {
            "key": {"type": "string", "minLength": 1, "maxLength": 512},
            "name": {"type": "string", "minLength": 1, "maxLength": 255},
            "size": size,
            "content_type": content_type,
            "sha256": {"type": "string", "pattern": SHA256_PATTERN},
        },
    }


def value_schema(field: Mapping[str, Any], codes: CodeValues | None = None) -> dict[str, Any]:
    """The JSON Schema of one field's value.

    Without `codes` the schema is open the way a layer must be (code values
    unlisted, table rows open), so a region may add values and columns; with
    `codes` it is closed, as a complete model's schema is.
    """
    kind = field["type"]
    schema: dict[str, Any] = {"title": field["label"]}
    if field.get("help"):
        schema["description"] = field["help"]
    if kind == "attachment":
        schema.update(attachment_schema(field))
    elif kind == "attachments":
        schema.update({"type": "array", "items": attachment_schema(field)})
    elif kind == "table":
        schema.update({"type": "array", "items": row_schema(field, codes)})
    else:
        schema.update(_TYPE_SCHEMAS[kind])
        if kind == "multi_code":
            schema["items"] = dict(schema["items"])
    if kind in {"text", "long_text"}:
        _copy(field, schema, min_length="minLength", max_length="maxLength")
        patterns = [FORMAT_PATTERNS[field["format"]]] if field.get("format") else []
        if field.get("pattern"):
            patterns.append(field["pattern"])
        if len(patterns) == 1:
            schema["pattern"] = patterns[0]
        elif patterns:
            schema["allOf"] = [{"pattern": p} for p in patterns]
        if field.get("format") in CHECKED_FORMATS:
            schema["x-yiwang-check"] = CHECKED_FORMATS[field["format"]]
    elif kind in {"integer", "decimal", "money"}:
        _copy(field, schema, min="minimum", max="maximum")
    elif kind in LIST_TYPES:
        _copy(field, schema, min_items="minItems", max_items="maxItems")
        if field.get("required") and not field.get("min_items"):
            schema["minItems"] = 1
    if codes is not None and kind == "code":
        schema["enum"] = list(codes(field["code_list"]))
    elif codes is not None and kind == "multi_code":
        schema["items"]["enum"] = list(codes(field["code_list"]))
    if "default" in field:
        schema["default"] = field["default"]
    return schema


def row_schema(field: Mapping[str, Any], codes: CodeValues | None = None) -> dict[str, Any]:
    """One row of a table field; closed by `propertyNames` only when `codes` is given."""
    columns: Mapping[str, Any] = field["columns"]
    row: dict[str, Any] = {
        "type": "object",
        "properties": {key: value_schema(col, codes) for key, col in columns.items()},
    }
    required = [key for key, col in columns.items() if col.get("required")]
    if required:
        row["required"] = required
    if codes is not None:
        row["propertyNames"] = {"enum": list(columns)}
    return row


def _copy(source: Mapping[str, Any], target: dict[str, Any], **names: str) -> None:
    for ours, theirs in names.items():
        if ours in source:
            target[theirs] = source[ours]
