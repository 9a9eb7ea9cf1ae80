"""The server's error messages, ahead of time, for a client to show beside its fields.

A form descriptor carries, per field and per JSON Schema keyword, the very
text the server would answer for that problem (`messages`), and per
condition rule its message (`rule_messages`). A client maps its validator's
error (instance path, keyword) to the text: the citizen reads the same
Chinese sentence whichever side found the problem. Pointers use `*` for a
table row; a text's `{row}` is that row's number, counted from 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.schema_errors import KEYWORD_CODES, type_names
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.form_schema import citizen_fields, form_schema
from yiwang.metadata.generators.record_schema import RULE_ANNOTATION
from yiwang.metadata.generators.validation import localised
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail

_BOUNDS: Final = (
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
)
_CHECK_CODES: Final = {
    "gb11643": "metadata.record.id_card_invalid",
    "gb32100": "metadata.record.credit_code_invalid",
}
Messages = dict[str, dict[str, str]]


class _Builder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.out: Messages = {}

    def text(self, code: str, pointer: str, **params: Any) -> str:
        return localised(self.document, ErrorDetail(code, pointer, params)).message()

    def put(self, pointer: str, keyword: str, text: str) -> None:
        self.out.setdefault(pointer, {})[keyword] = text

    def value(self, pointer: str, label: str, schema: Mapping[str, Any], *, required: bool) -> None:
        """Messages for one value's schema, at `pointer` (rows as `*`)."""
        concrete = pointer.replace("*", "0")
        if required:
            self.put(
                pointer, "required", self.text("metadata.record.required", concrete, label=label)
            )
        rule = schema.get(RULE_ANNOTATION)
        for keyword in ("type", "enum", "const", "pattern", "uniqueItems", *_BOUNDS):
            if keyword not in schema:
                continue
            if rule is not None and keyword in ("enum", "const"):
                rule_label = self.document["rules"][rule]["label"]
                text = self.text(
                    "metadata.record.rule_condition", concrete, rule=rule, rule_label=rule_label
                )
            elif keyword == "type":
                text = self.text(
                    "metadata.record.type",
                    concrete,
                    label=label,
                    expected=type_names(schema["type"]),
                )
            elif keyword == "pattern":
                text = self.text(
                    "metadata.record.pattern", concrete, label=label, pattern=schema["pattern"]
                )
            elif keyword in _BOUNDS:
                text = self.text(
                    f"metadata.record.{KEYWORD_CODES[keyword]}",
                    concrete,
                    label=label,
                    limit=schema[keyword],
                )
            else:
                text = self.text(f"metadata.record.{KEYWORD_CODES[keyword]}", concrete, label=label)
            self.put(pointer, keyword, text)
        for part in schema.get("allOf", []):
            if "pattern" in part and "pattern" not in self.out.get(pointer, {}):
                self.put(
                    pointer,
                    "pattern",
                    self.text(
                        "metadata.record.pattern", concrete, label=label, pattern=part["pattern"]
                    ),
                )
        if schema.get("x-yiwang-check") in _CHECK_CODES:
            self.put(
                pointer,
                "x-yiwang-check",
                self.text(_CHECK_CODES[schema["x-yiwang-check"]], concrete, label=label),
            )
        items = schema.get("items")
        if isinstance(items, dict):
            if items.get("type") == "object" and "columns" not in items:
                self.object(f"{pointer}/*", label, items)
            elif "enum" in items or "type" in items:
                self.value(f"{pointer}/*", label, items, required=False)
        elif schema.get("type") == "object":
            self.object(pointer, label, schema)

    def object(self, pointer: str, label: str, schema: Mapping[str, Any]) -> None:
        """An attachment: its parts are named by the field's own label."""
        required = set(schema.get("required", []))
        for name, part in schema.get("properties", {}).items():
            self.value(f"{pointer}/{name}", label, part, required=name in required)


def form_messages(
    effective: EffectiveModel, key: str, form_key: str
) -> tuple[Messages, dict[str, str]]:
    """(messages by pointer and keyword, messages by condition rule) for one form."""
    document = effective.document(key)
    schema = form_schema(effective, key, form_key)
    fields = document["fields"]
    builder = _Builder(document)
    required = set(schema.get("required", []))
    conditional: dict[str, Mapping[str, Any]] = {}
    for condition in schema.get("allOf", []):
        then = condition.get("then", {})
        if RULE_ANNOTATION in then:
            continue
        for name in then.get("required", []):
            conditional[name] = then.get("properties", {}).get(name, {})
    for name in citizen_fields(document, form_key):
        field = fields[name]
        prop = dict(schema["properties"][name])
        if "minItems" in conditional.get(name, {}) and "minItems" not in prop:
            prop["minItems"] = conditional[name]["minItems"]
        at = pointers.join("", name)
        if field["type"] == "table":
            builder.value(
                at,
                field["label"],
                {k: v for k, v in prop.items() if k != "items"},
                required=name in required or name in conditional,
            )
            row = prop["items"]
            row_required = set(row.get("required", []))
            for col_key, col_schema in row.get("properties", {}).items():
                column = field["columns"][col_key]
                label = f"{field['label']}第{{row}}行的{column['label']}"
                builder.value(
                    f"{at}/*/{col_key}", label, col_schema, required=col_key in row_required
                )
        else:
            builder.value(
                at, field["label"], prop, required=name in required or name in conditional
            )
    rules: dict[str, str] = {}
    for key_, rule in document.get("rules", {}).items():
        if rule["kind"] == "condition":
            rules[key_] = builder.text(
                "metadata.record.rule_condition", "", rule=key_, rule_label=rule["label"]
            )
    return builder.out, rules
