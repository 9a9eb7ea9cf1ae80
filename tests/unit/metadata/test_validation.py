"""The record validator: fast verdicts, explained errors with labels and pointers."""

from __future__ import annotations

import pytest

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel

from .conftest import PROVINCE
from .test_record_schema import _guide


def test_valid_record_passes_both_paths(effective: dict[str, EffectiveModel]) -> None:
    validator = record_validator(effective[PROVINCE], "service_item")
    assert validator.is_valid(_guide())
    assert validator.errors(_guide()) == []
    validator.validate(_guide())


def test_errors_name_field_label_and_pointer(effective: dict[str, EffectiveModel]) -> None:
    validator = record_validator(effective[PROVINCE], "service_item")
    record = _guide()
    del record["task_name"]
    record["promise_day"] = "十"
    record["materials"][0]["material_form"] = "9"
    record["surprise"] = 1
    found = {(e.code, e.pointer): e.message() for e in validator.errors(record)}
    assert found == {
        ("metadata.record.required", "/task_name"): "请填写“事项名称”。",
        (
            "metadata.record.type",
            "/promise_day",
        ): "“承诺办结时限（工作日）”的取值类型不对，应为整数。",
        ("metadata.record.enum", "/materials/0/material_form"): (
            "“申请材料第1行的材料形式”须从可选项中选择。"
        ),
        ("metadata.record.unknown_property", "/surprise"): "不认识的填写项“surprise”。",
    }


def test_unknown_row_column_is_reported_at_the_row(effective: dict[str, EffectiveModel]) -> None:
    validator = record_validator(effective[PROVINCE], "service_item")
    record = _guide()
    record["materials"][0]["colour"] = "red"
    errors = validator.errors(record)
    assert [(e.code, e.pointer) for e in errors] == [
        ("metadata.record.unknown_property", "/materials/0/colour")
    ]


def test_a_missing_field_does_not_make_the_others_unknown(
    effective: dict[str, EffectiveModel],
) -> None:
    validator = record_validator(effective["620102"], "service_item")
    record = _guide()
    errors = validator.errors(record)
    assert [(e.code, e.pointer) for e in errors] == [("metadata.record.required", "/tongban_range")]


def test_comparison_rules_run_after_the_schema(effective: dict[str, EffectiveModel]) -> None:
    validator = record_validator(effective[PROVINCE], "service_item")
    record = dict(_guide(), promise_day=25)
    assert not validator.is_valid(record)
    [error] = validator.errors(record)
    assert (error.code, error.pointer) == ("metadata.record.rule_compare", "/promise_day")
    assert error.message() == (
        "承诺办结时限不得超过法定办结时限：“承诺办结时限（工作日）”应 ≤ “法定办结时限（工作日）”。"
    )
    with pytest.raises(FormInvalid) as info:
        validator.validate(record)
    assert info.value.code == "metadata.record.rule_compare"
    assert info.value.status == 422


def test_non_object_records_are_refused(effective: dict[str, EffectiveModel]) -> None:
    validator = record_validator(effective[PROVINCE], "evaluation")
    for record in (None, [], "x", 1):
        assert not validator.is_valid(record)
        assert [e.code for e in validator.errors(record)] == ["metadata.record.type"]
