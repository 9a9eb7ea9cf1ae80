"""Validate record data against a tenant's effective model.

jsonschema-rs answers on the hot path (a submission, an import row); when it
says no, python-jsonschema explains why from the composed 2020-12 schema, in
catalogue errors with pointers and field labels. The hot path runs on the
schema's flattened draft-07 twin: `unevaluatedProperties` makes the validator
track what every part evaluated, and the twin, which closes the object with
`additionalProperties` instead, is about four times faster. The differential
test shows python-jsonschema on the 2020-12 schema and jsonschema-rs on the
twin give the same verdict on generated payloads for every generated schema.
Beside the schema run what it cannot state, in both paths: check
characters (`x-yiwang-check`, computed by `yiwang.policy.identity.codes`)
and comparison rules. An error raised under a condition rule names the rule.
Every message is the catalogue's, in Chinese, with values as a reader
expects them (是/否, 元, 2026年12月1日).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Final

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.display import display_value
from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.documents.field_types import CHECKED_FORMATS, FORMAT_PATTERNS
from yiwang.metadata.documents.problems import raise_for
from yiwang.metadata.documents.schema_errors import details_from_errors
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.form_schema import citizen_fields, form_schema, shown_comparisons
from yiwang.metadata.generators.record_rules import compare_violations
from yiwang.metadata.generators.record_schema import RULE_ANNOTATION, record_schema
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail
from yiwang.policy.identity.codes import is_valid_credit_code, is_valid_resident_id

#: pattern -> the format it states, so a broken format gets its own message
_FORMAT_OF: Final = {pattern: name for name, pattern in FORMAT_PATTERNS.items()}
_CHECKS: Final = {"gb11643": is_valid_resident_id, "gb32100": is_valid_credit_code}
_CHECK_CODES: Final = {
    "gb11643": "metadata.record.id_card_invalid",
    "gb32100": "metadata.record.credit_code_invalid",
}
_FILE_TYPES: Final = frozenset({"attachment", "attachments"})
_BOUND_CODES: Final = frozenset(
    {
        "metadata.record.minimum",
        "metadata.record.maximum",
        "metadata.record.exclusive_minimum",
        "metadata.record.exclusive_maximum",
    }
)


def fast_validator(schema: Mapping[str, Any]) -> Any:
    """A jsonschema-rs validator: formats checked, nothing fetched from the network."""
    return jsonschema_rs.validator_for(dict(schema), validate_formats=True, offline=True)


def hot_path_validator(schema: Mapping[str, Any]) -> Any:
    """jsonschema-rs on the draft-07 twin of a generated schema: same verdicts, faster."""
    return jsonschema_rs.Draft7Validator(to_draft07(schema), validate_formats=True, offline=True)


def authoring_validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A python-jsonschema validator with the format checker on (it is off by default)."""
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class RecordValidator:
    """Checks records (or one form's submissions) of one item type for one tenant.

    `fast_schema` is the draft-07 schema of the hot path (by default the twin
    of `schema`); `comparisons`, the comparison rules to apply (by default all).
    """

    def __init__(
        self,
        document: Document,
        schema: Mapping[str, Any],
        *,
        fast_schema: Mapping[str, Any] | None = None,
        comparisons: Collection[str] | None = None,
        fields: Collection[str] | None = None,
    ) -> None:
        self.document = document
        self.schema = schema
        self._fast = (
            hot_path_validator(schema)
            if fast_schema is None
            else jsonschema_rs.Draft7Validator(
                dict(fast_schema), validate_formats=True, offline=True
            )
        )
        self._explainer: Draft202012Validator | None = None
        rules = document.get("rules", {})
        self._comparisons = (
            [k for k, r in rules.items() if r["kind"] == "compare"]
            if comparisons is None
            else list(comparisons)
        )
        self._checked = list(_checked_values(document, fields))

    def is_valid(self, record: Any) -> bool:
        """The verdict alone, as fast as it can be had."""
        if not self._fast.is_valid(record):
            return False
        if self._checked and any(True for _ in self._check_violations(record)):
            return False
        return not (
            self._comparisons and compare_violations(self.document, record, only=self._comparisons)
        )

    def errors(self, record: Any) -> list[ErrorDetail]:
        """Every problem, in catalogue errors naming the field and its label."""
        if self._explainer is None:
            self._explainer = authoring_validator(self.schema)
        plain: list[ValidationError] = []
        ruled: list[ErrorDetail] = []
        for error in self._explainer.iter_errors(record):
            rule = _rule_of(self.schema, error)
            if rule is None:
                plain.append(error)
            else:
                ruled.extend(self._rule_details(rule, error))
        details = details_from_errors(
            plain,
            prefix="metadata.record",
            known_keys=self._known_keys,
            label_of=self._label_of,
        )
        details = [localised(self.document, d) for d in details] + ruled
        if isinstance(record, dict):
            details.extend(self._check_violations(record))
            if self._comparisons:
                details.extend(compare_violations(self.document, record, only=self._comparisons))
        unique = {(d.pointer, d.code, repr(sorted(d.params.items()))): d for d in details}
        return sorted(unique.values(), key=lambda d: (d.pointer or "", d.code))

    def validate(self, record: Any) -> None:
        """Raise `FormInvalid` with every problem unless the record is valid."""
        if not self.is_valid(record):
            raise_for(self.errors(record), FormInvalid)

    def _rule_details(self, rule: str, error: ValidationError) -> Iterator[ErrorDetail]:
        path = list(error.absolute_path)
        names = error.validator_value if isinstance(error.validator_value, list) else []
        if error.validator == "required" and isinstance(error.instance, dict):
            paths = [[*path, p] for p in names if p not in error.instance]
        else:
            paths = [path]
        label = self.document.get("rules", {})[rule]["label"]
        for at in paths:
            yield ErrorDetail(
                "metadata.record.rule_condition",
                pointers.from_path(at),
                {"rule": rule, "rule_label": label, "label": self._label_of(at) or ""},
            )

    def _check_violations(self, record: Any) -> Iterator[ErrorDetail]:
        if not isinstance(record, dict):
            return
        for path, value, algorithm, pattern in _values_at(record, self._checked):
            if isinstance(value, str) and pattern.match(value) and not _CHECKS[algorithm](value):
                yield ErrorDetail(
                    _CHECK_CODES[algorithm],
                    pointers.from_path(path),
                    {"label": self._label_of(path) or ""},
                )

    def _known_keys(self, path: Sequence[str | int]) -> list[str] | None:
        return list(self.document["fields"]) if not path else None

    def _label_of(self, path: Sequence[str | int]) -> str | None:
        return label_at(self.document, path)


def field_at(document: Document, path: Sequence[str | int]) -> Mapping[str, Any] | None:
    """The field (or table column) a record path points into, if any."""
    fields = document["fields"]
    if not path or not isinstance(path[0], str) or path[0] not in fields:
        return None
    field: Mapping[str, Any] = fields[path[0]]
    if len(path) >= 3 and "columns" in field and isinstance(path[2], str):
        column: Mapping[str, Any] | None = field["columns"].get(path[2])
        return column
    return field


def label_at(document: Document, path: Sequence[str | int]) -> str | None:
    """The label of the value at `path`: a field's, or "表格第 n 行的列"."""
    fields = document["fields"]
    if not path or not isinstance(path[0], str) or path[0] not in fields:
        return None
    field = fields[path[0]]
    if len(path) >= 3 and "columns" in field and isinstance(path[2], str):
        column = field["columns"].get(path[2])
        if column is not None:
            return f"{field['label']}第{int(path[1]) + 1}行的{column['label']}"
    label: str = field["label"]
    return label


def localised(document: Document, detail: ErrorDetail) -> ErrorDetail:
    """A schema error said for its field: the format's own message, bounds in 元."""
    params = dict(detail.params)
    code = detail.code
    if code == "metadata.record.pattern" and params.get("pattern") in _FORMAT_OF:
        code = f"metadata.record.format_{_FORMAT_OF[params['pattern']]}"
    path = [int(t) if t.isdigit() else t for t in pointers.tokens(detail.pointer or "")]
    field = field_at(document, path)
    if code == "metadata.record.required" and field and field["type"] in _FILE_TYPES:
        code = "metadata.record.required_upload"
    money = field is not None and field["type"] == "money"
    if code in _BOUND_CODES and money and isinstance(params.get("limit"), int):
        params["limit"] = display_value(field, params["limit"])
    return ErrorDetail(code, detail.pointer, params)


def _rule_of(schema: Mapping[str, Any], error: ValidationError) -> str | None:
    """The condition rule whose `then` part the error was raised under, if any."""
    node: Any = schema
    found: str | None = None
    for token in error.absolute_schema_path:
        while isinstance(node, dict) and "$ref" in node and token not in node:
            node = _resolve(schema, node["$ref"])
        if isinstance(node, dict) and RULE_ANNOTATION in node:
            found = node[RULE_ANNOTATION]
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return found
    if isinstance(node, dict) and RULE_ANNOTATION in node:
        found = node[RULE_ANNOTATION]
    return found


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for token in pointers.tokens(ref[1:]):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


#: (field, column or None, algorithm, compiled pattern) for every checked value
CheckedValue = tuple[str, str | None, str, Any]


def _checked_values(document: Document, only: Collection[str] | None) -> Iterator[CheckedValue]:
    for key, field in document["fields"].items():
        if only is not None and key not in only:
            continue
        if field.get("format") in CHECKED_FORMATS:
            fmt = field["format"]
            yield key, None, CHECKED_FORMATS[fmt], re.compile(FORMAT_PATTERNS[fmt])
        for col_key, column in field.get("columns", {}).items():
            if column.get("format") in CHECKED_FORMATS:
                fmt = column["format"]
                yield key, col_key, CHECKED_FORMATS[fmt], re.compile(FORMAT_PATTERNS[fmt])


def _values_at(
    record: Mapping[str, Any], checked: Sequence[CheckedValue]
) -> Iterator[tuple[list[str | int], Any, str, Any]]:
    for key, column, algorithm, pattern in checked:
        value = record.get(key)
        if column is None:
            if value is not None:
                yield [key], value, algorithm, pattern
        elif isinstance(value, list):
            for index, row in enumerate(value):
                if isinstance(row, dict) and column in row:
                    yield [key, index, column], row[column], algorithm, pattern


def record_validator(effective: EffectiveModel, key: str) -> RecordValidator:
    """The tenant's validator for item type `key`, built once per effective model."""
    return effective.memo(
        ("record_validator", key),
        lambda: RecordValidator(effective.document(key), record_schema(effective, key)),
    )


def form_validator(effective: EffectiveModel, key: str, form: str) -> RecordValidator:
    """The server's verdict on what one form submits: the descriptor's own schema,
    its check characters and the comparison rules it lists, nothing more or less."""

    def build() -> RecordValidator:
        document = effective.document(key)
        shown = citizen_fields(document, form)
        return RecordValidator(
            document,
            form_schema(effective, key, form, "2020-12"),
            fast_schema=form_schema(effective, key, form, "draft-07"),
            comparisons=list(shown_comparisons(document, shown)),
            fields=shown,
        )

    return effective.memo(("form_validator", key, form), build)
