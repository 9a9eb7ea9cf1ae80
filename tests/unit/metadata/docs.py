"""Small documents for tests that break one rule at a time."""

from __future__ import annotations

import copy
from typing import Any

from yiwang.metadata.documents.checks import check_document
from yiwang.metadata.documents.metaschemas import document_errors

MINIMAL: dict[str, Any] = {
    "key": "permit",
    "kind": "item",
    "label": "许可",
    "fields": {
        "name": {"type": "text", "label": "名称", "required": True, "max_length": 50},
        "kind": {"type": "code", "label": "类别", "code_list": "kinds"},
        "amount": {"type": "money", "label": "金额", "min": 0, "max": 1000},
        "days": {"type": "integer", "label": "天数", "min": 0, "max": 30},
        "promise": {"type": "integer", "label": "承诺天数", "min": 0, "max": 30},
        "note": {"type": "long_text", "label": "说明"},
        "rows": {
            "type": "table",
            "label": "明细",
            "columns": {
                "item": {"type": "text", "label": "项目", "required": True},
                "kind": {"type": "code", "label": "类别", "code_list": "kinds"},
            },
        },
    },
    "code_lists": {
        "kinds": {
            "label": "类别",
            "values": [{"code": "a", "label": "甲"}, {"code": "b", "label": "乙"}],
        }
    },
    "forms": {
        "apply": {
            "label": "申请",
            "audience": "citizen",
            "sections": [
                {"key": "main", "label": "基本", "fields": ["name", "kind", "amount"]},
                {"key": "more", "label": "更多", "fields": ["note", "rows"]},
            ],
        }
    },
    "lists": {
        "index": {
            "label": "目录",
            "audience": "public",
            "columns": ["name", "kind"],
            "filters": ["kind"],
            "sort": [{"field": "name", "order": "asc"}],
        }
    },
    "routes": {
        "standard": {
            "label": "审批",
            "statutory_days": 20,
            "promised_days": 10,
            "steps": [
                {"key": "accept", "label": "受理", "kind": "accept", "mandatory": True},
                {"key": "review", "label": "审查", "kind": "review", "on_reject": "reject_case"},
                {"key": "decide", "label": "决定", "kind": "decide", "mandatory": True},
            ],
        }
    },
    "rules": {
        "promise": {
            "kind": "compare",
            "label": "承诺不超过法定",
            "left": "promise",
            "op": "le",
            "right": "days",
        },
        "cap": {
            "kind": "aggregate",
            "label": "每类至多 3 项",
            "group_by": ["kind"],
            "max": 3,
            "scope": "tenant",
        },
    },
    "publication": {"public": True, "list": "index", "title_field": "name"},
}


def document(**changes: Any) -> dict[str, Any]:
    """A deep copy of MINIMAL with top-level keys replaced."""
    doc = copy.deepcopy(MINIMAL)
    doc.update(copy.deepcopy(changes))
    return doc


def problems(doc: dict[str, Any], *, base_layer: bool = True) -> list[tuple[str, str | None]]:
    """(code, pointer) of every meta-schema error, else of every document-rule error."""
    errors = document_errors(doc)
    if not errors:
        errors = check_document(doc, types={"permit", "other"}, base_layer=base_layer)
    return [(e.code, e.pointer) for e in errors]
