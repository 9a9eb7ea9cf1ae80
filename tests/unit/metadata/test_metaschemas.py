"""The document and overlay meta-schemas: errors name the pointer and the rule."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from yiwang.metadata.documents.metaschemas import (
    document_errors,
    document_is_valid,
    document_metaschema,
    fragment_errors,
    overlay_errors,
    overlay_metaschema,
)
from yiwang.metadata.documents.shapes import Model

from .docs import MINIMAL, document, problems


def test_meta_schemas_are_valid_2020_12() -> None:
    Draft202012Validator.check_schema(document_metaschema())
    Draft202012Validator.check_schema(overlay_metaschema())
    assert document_metaschema()["$schema"].endswith("2020-12/schema")


def test_minimal_and_base_documents_are_valid(base_model: Model) -> None:
    assert document_errors(MINIMAL) == []
    for key, doc in base_model.documents.items():
        assert document_errors(doc) == [], key
        assert document_is_valid(doc)


def test_unknown_field_type_has_its_own_code() -> None:
    doc = document()
    doc["fields"]["name"]["type"] = "string"
    errors = document_errors(doc)
    assert [(e.code, e.pointer) for e in errors] == [
        ("metadata.field.type_unknown", "/fields/name/type")
    ]
    assert "string" in errors[0].message() and "long_text" in errors[0].message()


def test_missing_property_points_at_it() -> None:
    doc = document()
    del doc["fields"]["name"]["label"]
    assert problems(doc) == [("metadata.schema.required", "/fields/name/label")]


def test_unknown_property_points_at_it() -> None:
    doc = document()
    doc["fields"]["name"]["maxlength"] = 3
    assert problems(doc) == [("metadata.schema.unknown_property", "/fields/name/maxlength")]


def test_bad_field_key_points_at_the_key() -> None:
    doc = document()
    doc["fields"]["Name"] = {"type": "text", "label": "x"}
    assert problems(doc) == [("metadata.schema.key_format", "/fields/Name")]


def test_code_field_needs_its_list() -> None:
    doc = document()
    del doc["fields"]["kind"]["code_list"]
    assert problems(doc) == [("metadata.schema.required", "/fields/kind/code_list")]


def test_numeric_code_value_must_be_quoted() -> None:
    doc = document()
    doc["code_lists"]["kinds"]["values"][0]["code"] = 1
    assert problems(doc) == [("metadata.schema.type", "/code_lists/kinds/values/0/code")]


def test_table_columns_cannot_be_tables() -> None:
    doc = document()
    doc["fields"]["rows"]["columns"]["inner"] = {
        "type": "table",
        "label": "x",
        "columns": {"a": {"type": "text", "label": "a"}},
    }
    assert ("metadata.field.nested_table", "/fields/rows/columns/inner/type") in problems(doc)


@pytest.mark.parametrize("keyword", ["$ref", "$id", "$dynamicRef", "format"])
def test_conditions_refuse_keywords_that_could_reach_out(keyword: str) -> None:
    doc = document()
    doc["fields"]["note"]["required_when"] = {keyword: "http://example.com/x"}
    assert problems(doc) == [
        ("metadata.condition.keyword", f"/fields/note/required_when/{keyword.replace('/', '~1')}")
    ]


def test_branches_only_on_parallel_steps() -> None:
    doc = document()
    doc["routes"]["standard"]["steps"][1]["branches"] = [
        {"key": "a", "label": "甲", "role": "r", "on_reject": "reject_case"},
        {"key": "b", "label": "乙", "role": "r", "on_reject": "continue"},
    ]
    assert problems(doc) == [
        ("metadata.step.branches_outside_parallel", "/routes/standard/steps/1")
    ]
    doc["routes"]["standard"]["steps"][1]["kind"] = "parallel"
    assert problems(doc) == []


def test_every_error_renders_a_chinese_message() -> None:
    doc: dict[str, Any] = {"key": "X", "kind": "thing", "fields": {"a": {"type": 1}}}
    errors = document_errors(doc)
    assert len(errors) >= 4
    for error in errors:
        message = error.message()
        assert "{" not in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_fragment_errors_use_the_given_pointer() -> None:
    errors = fragment_errors(
        "step", {"key": "x", "kind": "review", "on_reject": "continue"}, pointer="/insert/0/step"
    )
    assert [(e.code, e.pointer) for e in errors] == [
        ("metadata.schema.required", "/insert/0/step/label")
    ]


def test_overlay_tenant_must_be_a_division_code() -> None:
    errors = overlay_errors({"tenant": "6201"})
    assert [(e.code, e.pointer) for e in errors] == [("metadata.overlay.tenant_format", "/tenant")]


def test_overlay_insert_takes_after_or_before_not_both() -> None:
    overlay = {
        "tenant": "620100",
        "documents": {
            "permit": {
                "routes": {
                    "standard": {
                        "insert": [
                            {
                                "after": "accept",
                                "before": "review",
                                "step": {
                                    "key": "x_a",
                                    "label": "甲",
                                    "kind": "review",
                                    "on_reject": "reject_case",
                                },
                            }
                        ]
                    }
                }
            }
        },
    }
    errors = overlay_errors(overlay)
    assert [(e.code, e.pointer) for e in errors] == [
        ("metadata.overlay.anchor_ambiguous", "/documents/permit/routes/standard/insert/0")
    ]
