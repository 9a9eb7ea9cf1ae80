"""Document rules beyond the meta-schema, one broken at a time, each with its own code."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.metadata.documents.checks import check_model
from yiwang.metadata.documents.shapes import Model

from .docs import MINIMAL, document, problems


def test_minimal_document_keeps_every_rule() -> None:
    assert problems(MINIMAL) == []


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    doc = document()
    node: Any = doc
    for token in path[:-1]:
        node = node[token]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ["fields", "x_local"],
            {"type": "text", "label": "本地"},
            ("metadata.document.x_prefix_reserved", "/fields/x_local"),
        ),
        (
            ["routes", "standard", "steps", 1, "key"],
            "x_review",
            ("metadata.document.x_prefix_reserved", "/routes/standard/steps/1/key"),
        ),
        (
            ["fields", "name", "min"],
            1,
            ("metadata.field.property_for_type", "/fields/name/min"),
        ),
        (
            ["fields", "amount", "min"],
            2000,
            ("metadata.field.bounds_inverted", "/fields/amount/min"),
        ),
        (
            ["fields", "name", "pattern"],
            "([a-z]",
            ("metadata.field.pattern_invalid", "/fields/name/pattern"),
        ),
        (
            ["fields", "name", "pattern"],
            r"^a\Z",
            ("metadata.field.pattern_invalid", "/fields/name/pattern"),
        ),
        (
            ["fields", "scan"],
            {
                "type": "attachment",
                "label": "扫描件",
                "accept": ["application/pdf", "image/svg+xml"],
            },
            ("metadata.field.accept_unsupported", "/fields/scan/accept/1"),
        ),
        (
            ["fields", "photos"],
            {"type": "attachments", "label": "照片", "accept": ["image/*"]},
            ("metadata.field.accept_unsupported", "/fields/photos/accept/0"),
        ),
        (
            ["fields", "kind", "code_list"],
            "missing",
            ("metadata.field.code_list_missing", "/fields/kind/code_list"),
        ),
        (
            ["fields", "owner"],
            {"type": "reference", "label": "所属", "ref_type": "nowhere"},
            ("metadata.field.ref_type_missing", "/fields/owner/ref_type"),
        ),
        (
            ["fields", "kind", "default"],
            "z",
            ("metadata.field.default_invalid", "/fields/kind/default"),
        ),
        (
            ["fields", "status"],
            {"type": "text", "label": "状态"},
            ("metadata.field.key_reserved", "/fields/status"),
        ),
        (
            ["fields", "note", "required_when"],
            {"properties": {"ghost": {"const": 1}}},
            ("metadata.condition.field_missing", "/fields/note/required_when/properties/ghost"),
        ),
        (
            ["fields", "note", "required_when"],
            {"not": {"anyOf": [{"required": ["name"]}, {"required": ["ghost"]}]}},
            (
                "metadata.condition.field_missing",
                "/fields/note/required_when/not/anyOf/1/required/0",
            ),
        ),
        (
            ["code_lists", "kinds", "values", 1, "code"],
            "a",
            ("metadata.code_list.duplicate_code", "/code_lists/kinds/values/1/code"),
        ),
        (
            ["forms", "apply", "sections", 0, "fields", 1],
            "ghost",
            ("metadata.form.field_missing", "/forms/apply/sections/0/fields/1"),
        ),
        (
            ["forms", "apply", "sections", 1, "fields", 0],
            "name",
            ("metadata.form.field_duplicate", "/forms/apply/sections/1/fields/0"),
        ),
        (
            ["forms", "apply", "sections", 1, "key"],
            "main",
            ("metadata.form.section_duplicate", "/forms/apply/sections/1/key"),
        ),
        (
            ["forms", "apply", "sections", 0, "visible_when"],
            {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
            ("metadata.form.required_in_conditional_section", "/forms/apply/sections/0/fields/0"),
        ),
        (
            ["lists", "index", "columns", 1],
            "ghost",
            ("metadata.list.field_missing", "/lists/index/columns/1"),
        ),
        (
            ["lists", "index", "filters", 0],
            "rows",
            ("metadata.list.filter_unsupported", "/lists/index/filters/0"),
        ),
        (
            ["routes", "standard", "promised_days"],
            25,
            ("metadata.route.promise_exceeds_statutory", "/routes/standard/promised_days"),
        ),
        (
            ["routes", "standard", "steps", 2, "key"],
            "accept",
            ("metadata.route.step_duplicate", "/routes/standard/steps/2/key"),
        ),
        (
            ["rules", "promise", "right"],
            "ghost",
            ("metadata.rule.field_missing", "/rules/promise/right"),
        ),
        (
            ["publication", "list"],
            "ghost",
            ("metadata.publication.list_missing", "/publication/list"),
        ),
        (
            ["publication", "title_field"],
            "ghost",
            ("metadata.publication.field_missing", "/publication/title_field"),
        ),
    ],
)
def test_each_rule_has_its_own_code(
    path: list[str | int], value: Any, expected: tuple[str, str]
) -> None:
    assert problems(_with(path, value)) == [expected]


def test_x_keys_are_fine_outside_the_base() -> None:
    doc = _with(["fields", "x_local"], {"type": "text", "label": "本地"})
    assert problems(doc, base_layer=False) == []


def test_a_publication_list_must_be_public() -> None:
    doc = _with(["lists", "index", "audience"], "staff")
    assert problems(doc) == [("metadata.publication.list_not_public", "/publication/list")]


def test_a_pii_field_is_never_published() -> None:
    found = problems(_with(["fields", "name", "pii"], True))
    assert {code for code, _ in found} == {"metadata.document.pii_published"}
    assert {pointer for _, pointer in found} == {
        "/lists/index/columns/0",
        "/lists/index/sort/0",
        "/publication/title_field",
    }


def test_a_pii_field_cannot_be_public() -> None:
    doc = _with(["fields", "note", "pii"], True)
    doc["fields"]["note"]["public"] = True
    assert problems(doc) == [("metadata.document.pii_published", "/fields/note/public")]


def test_table_columns_are_checked_like_fields() -> None:
    doc = _with(["fields", "rows", "columns", "kind", "code_list"], "missing")
    assert problems(doc) == [
        ("metadata.field.code_list_missing", "/fields/rows/columns/kind/code_list")
    ]


def test_model_checks_shared_lists_and_document_keys(base_model: Model) -> None:
    assert check_model(base_model, base_layer=True) == []
    shared = {"kinds": MINIMAL["code_lists"]["kinds"]}
    model = Model(documents={"other": document()}, code_lists=shared)
    found = [(e.code, e.pointer) for e in check_model(model, base_layer=True)]
    assert ("metadata.document.key_mismatch", "/documents/other/key") in found
    assert ("metadata.code_list.shadowed", "/documents/other/code_lists/kinds") in found


def test_patterns_inside_conditions_must_compile_in_both_engines() -> None:
    doc = _with(
        ["fields", "note", "required_when"],
        {"properties": {"name": {"pattern": "^a\\Z"}}, "required": ["name"]},
    )
    assert problems(doc) == [
        ("metadata.field.pattern_invalid", "/fields/note/required_when/properties/name/pattern")
    ]


def test_a_code_list_has_at_most_one_catch_all() -> None:
    doc = document()
    doc["code_lists"] = {
        "kinds": {
            "label": "类别",
            "values": [
                {"code": "a", "label": "其他甲", "catch_all": True},
                {"code": "b", "label": "其他乙", "catch_all": True},
            ],
        }
    }
    assert problems(doc) == [
        ("metadata.code_list.catch_all_twice", "/code_lists/kinds/values/1/catch_all")
    ]
