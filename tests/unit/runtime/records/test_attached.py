"""Where a record's attachment values sit: every file field, every file of a multi-file
field, every file cell of a table, and nothing else."""

from __future__ import annotations

from datetime import date
from typing import Any

from yiwang.runtime.records import attached
from yiwang.runtime.records.attached import cells, held


def _file(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"{key}.pdf",
        "size": 1,
        "content_type": "application/pdf",
        "sha256": "0" * 64,
    }


DOCUMENT: dict[str, Any] = {
    "fields": {
        "title": {"type": "text", "label": "标题"},
        "plan": {"type": "attachment", "label": "平面图"},
        "rules": {"type": "attachments", "label": "制度"},
        "staff": {
            "type": "table",
            "label": "人员",
            "columns": {
                "name": {"type": "text", "label": "姓名"},
                "certificate": {"type": "attachment", "label": "证书"},
                "files": {"type": "attachments", "label": "材料"},
            },
        },
    }
}


def test_cells_name_each_file_with_its_field_and_path() -> None:
    values = {
        "title": "一",
        "plan": _file("p"),
        "rules": [_file("r0"), _file("r1")],
        "staff": [
            {"name": "甲", "certificate": _file("c0")},
            {"name": "乙", "files": [_file("f1")]},
        ],
    }
    assert list(cells(DOCUMENT, values)) == [
        ("plan", ("plan",)),
        ("rules", ("rules", 0)),
        ("rules", ("rules", 1)),
        ("staff/certificate", ("staff", 0, "certificate")),
        ("staff/files", ("staff", 1, "files", 0)),
    ]
    assert list(cells(DOCUMENT, {"title": "x", "plan": "not a file"})) == []


def test_held_keys_a_records_files_by_field_and_key() -> None:
    values = {"plan": _file("p"), "staff": [{"certificate": _file("c0")}]}
    assert held(DOCUMENT, values) == {
        "plan": {"p": _file("p")},
        "staff/certificate": {"c0": _file("c0")},
    }
    assert held(DOCUMENT, None) == {}


def test_copied_is_a_deep_copy_of_a_json_value() -> None:
    value = {"a": [{"b": "二", "c": [1, 2.5, None, True]}], "d": {"e": {}}, "n": 10**30}
    out = attached.copied(value)
    assert out == value
    assert out is not value and out["a"] is not value["a"] and out["a"][0] is not value["a"][0]
    assert out["a"][0]["c"] is not value["a"][0]["c"] and out["d"]["e"] is not value["d"]["e"]
    out["a"][0]["c"].append("x")
    assert value["a"][0]["c"] == [1, 2.5, None, True]
    other = {"when": date(2026, 12, 2), "pair": (1, [2])}  # not JSON: copy.deepcopy's way
    again = attached.copied(other)
    assert again == other and again["pair"][1] is not other["pair"][1]
