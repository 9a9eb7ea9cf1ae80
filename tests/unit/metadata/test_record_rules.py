"""Count and uniqueness rules over sets of records; comparisons within one."""

from __future__ import annotations

from yiwang.metadata.generators.record_rules import (
    aggregate_violations,
    compare_violations,
    condition_holds,
    unique_violations,
)

from .docs import document


def test_condition_holds_is_json_schema() -> None:
    condition = {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}
    assert condition_holds(condition, {"kind": "a"})
    assert not condition_holds(condition, {"kind": "b"})
    assert not condition_holds(condition, {})


def test_compare_skips_missing_and_incomparable_sides() -> None:
    doc = document()
    assert compare_violations(doc, {"promise": 5, "days": 10}) == []
    assert compare_violations(doc, {"promise": 5}) == []
    assert compare_violations(doc, {"promise": "5", "days": 1}) == []
    [error] = compare_violations(doc, {"promise": 11, "days": 10})
    assert (error.code, error.pointer) == ("metadata.record.rule_compare", "/promise")


def test_compare_when_condition() -> None:
    doc = document()
    doc["rules"]["promise"]["when"] = {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}
    assert compare_violations(doc, {"promise": 11, "days": 10, "kind": "b"}) == []
    assert len(compare_violations(doc, {"promise": 11, "days": 10, "kind": "a"})) == 1


def test_aggregate_max_always_min_when_complete() -> None:
    doc = document()
    doc["rules"]["cap"]["min"] = 2
    rows = [{"kind": "a"}] * 4 + [{"kind": "b"}]
    found = aggregate_violations(doc, rows, complete=False)
    assert [(e.code, e.params["count"]) for e in found] == [("metadata.record.rule_max", 4)]
    found = aggregate_violations(doc, rows, complete=True)
    assert sorted(e.code for e in found) == ["metadata.record.rule_max", "metadata.record.rule_min"]
    assert "类别=b" in next(e for e in found if e.code.endswith("min")).message()


def test_aggregate_where_filters_rows() -> None:
    doc = document()
    doc["rules"]["cap"]["where"] = {
        "properties": {"amount": {"minimum": 100}},
        "required": ["amount"],
    }
    rows = [{"kind": "a", "amount": 50}] * 5 + [{"kind": "a", "amount": 100}] * 3
    assert aggregate_violations(doc, rows, complete=True) == []


def test_unique_points_at_the_repeat() -> None:
    doc = document()
    doc["rules"]["one_name"] = {
        "kind": "unique",
        "label": "名称唯一",
        "fields": ["name"],
        "scope": "tenant",
    }
    rows = [{"name": "甲"}, {"name": "乙"}, {"name": "甲"}, {}]
    [error] = unique_violations(doc, rows)
    assert (error.pointer, error.params["first"]) == ("/2/name", 1)
