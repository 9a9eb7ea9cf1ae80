"""Validate record data against a tenant's effective model.

jsonschema-rs answers on the hot path (a submission, an import row); when it
says no, python-jsonschema explains why from the composed 2020-12 schema, in
catalogue errors with pointers and field labels. The hot path runs on the
schema's flattened draft-07 twin: `unevaluatedProperties` makes the validator
track what every part evaluated, and the twin, which closes the object with
`additionalProperties` instead, is about four times faster. The differential
test shows python-jsonschema on the 2020-12 schema and jsonschema-rs on the
twin give the same verdict on generated payloads for every generated schema.
Comparison rules run after the schema, in both paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.documents.problems import raise_for
from yiwang.metadata.documents.schema_errors import details_from_errors
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.record_rules import compare_violations
from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail


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
    """Checks records of one item type for one tenant's effective model."""

    def __init__(self, document: Document, schema: Mapping[str, Any]) -> None:
        self.document = document
        self.schema = schema
        self._fast = hot_path_validator(schema)
        self._explainer: Draft202012Validator | None = None
        self._has_comparisons = any(
            r["kind"] == "compare" for r in document.get("rules", {}).values()
        )

    def is_valid(self, record: Any) -> bool:
        """The verdict alone, as fast as it can be had."""
        if not self._fast.is_valid(record):
            return False
        return not (self._has_comparisons and compare_violations(self.document, record))

    def errors(self, record: Any) -> list[ErrorDetail]:
        """Every problem, in catalogue errors naming the field and its label."""
        if self._explainer is None:
            self._explainer = authoring_validator(self.schema)
        details = details_from_errors(
            self._explainer.iter_errors(record),
            prefix="metadata.record",
            known_keys=self._known_keys,
            label_of=self._label_of,
        )
        if not details and isinstance(record, dict):
            details = compare_violations(self.document, record)
        return details

    def validate(self, record: Any) -> None:
        """Raise `FormInvalid` with every problem unless the record is valid."""
        if not self.is_valid(record):
            raise_for(self.errors(record), FormInvalid)

    def _known_keys(self, path: Sequence[str | int]) -> list[str] | None:
        return list(self.document["fields"]) if not path else None

    def _label_of(self, path: Sequence[str | int]) -> str | None:
        fields = self.document["fields"]
        if not path or not isinstance(path[0], str) or path[0] not in fields:
            return None
        field = fields[path[0]]
        if len(path) >= 3 and "columns" in field and isinstance(path[2], str):
            column = field["columns"].get(path[2])
            if column is not None:
                return f"{field['label']}第{int(path[1]) + 1}行的{column['label']}"
        label: str = field["label"]
        return label


def record_validator(effective: EffectiveModel, key: str) -> RecordValidator:
    """The tenant's validator for item type `key`, built once per effective model."""
    return effective.memo(
        ("record_validator", key),
        lambda: RecordValidator(effective.document(key), record_schema(effective, key)),
    )
