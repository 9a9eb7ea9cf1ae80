"""Document rules that JSON Schema cannot state: comparisons and counts.

`condition` rules become `if`/`then` in the record schema. What is left is
evaluated here without any expression language: a comparison is two field
keys and an operator name; a count is a filter (a JSON Schema condition),
grouping fields and bounds, e.g. "at most 5 special funds per competent
department and fiscal year".
"""

from __future__ import annotations

import json
import operator
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

import jsonschema_rs

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.hashing import canonical_json
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail

OPERATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}
SYMBOLS: Final[Mapping[str, str]] = {
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "eq": "=",
    "ne": "≠",
}


@lru_cache(maxsize=1024)
def _condition_validator(canonical: bytes) -> Any:
    return jsonschema_rs.validator_for(json.loads(canonical), validate_formats=True, offline=True)


def condition_holds(condition: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether `record` satisfies a condition (a JSON Schema)."""
    return bool(_condition_validator(canonical_json(condition)).is_valid(record))


def _comparable(left: Any, right: Any) -> bool:
    numbers = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool)
    if isinstance(left, numbers) and isinstance(right, numbers):
        return True
    return isinstance(left, str) and isinstance(right, str)


def compare_detail(
    document: Document, key: str, rule: Mapping[str, Any], pointer: str = ""
) -> ErrorDetail:
    """The error a broken comparison rule gives: at its left field, naming both labels."""
    fields = document["fields"]
    return ErrorDetail(
        "metadata.record.rule_compare",
        pointers.join(pointer, rule["left"]),
        {
            "rule": key,
            "rule_label": rule["label"],
            "left": fields[rule["left"]]["label"],
            "right": fields[rule["right"]]["label"],
            "op": SYMBOLS[rule["op"]],
        },
    )


def compare_violations(
    document: Document,
    record: Mapping[str, Any],
    pointer: str = "",
    only: Collection[str] | None = None,
) -> list[ErrorDetail]:
    """Comparison rules the record breaks (a missing side is the schema's business).

    `only` limits the check to some rules (those a form shows).
    """
    errors: list[ErrorDetail] = []
    for key, rule in document.get("rules", {}).items():
        if rule["kind"] != "compare" or (only is not None and key not in only):
            continue
        left, right = record.get(rule["left"]), record.get(rule["right"])
        if left is None or right is None or not _comparable(left, right):
            continue
        if "when" in rule and not condition_holds(rule["when"], record):
            continue
        if not OPERATORS[rule["op"]](left, right):
            errors.append(compare_detail(document, key, rule, pointer))
    return errors


def _group_label(document: Document, group_by: Sequence[str], values: tuple[Any, ...]) -> str:
    fields = document["fields"]
    return "，".join(f"{fields[k]['label']}={v}" for k, v in zip(group_by, values, strict=True))


def aggregate_violations(
    document: Document, records: Iterable[Mapping[str, Any]], *, complete: bool
) -> list[ErrorDetail]:
    """Count rules a set of records breaks.

    A maximum can be checked whenever records are added; a minimum only when
    the set is `complete` (e.g. a fiscal year's fund list submitted as final).
    """
    rows = list(records)
    errors: list[ErrorDetail] = []
    for key, rule in document.get("rules", {}).items():
        if rule["kind"] != "aggregate":
            continue
        group_by: list[str] = rule.get("group_by", [])
        where = rule.get("where")
        counts = Counter(
            tuple(row.get(k) for k in group_by)
            for row in rows
            if where is None or condition_holds(where, row)
        )
        here = pointers.join("/rules", key)
        for values, count in sorted(counts.items(), key=lambda item: repr(item[0])):
            group = _group_label(document, group_by, values) or "全部"
            if "max" in rule and count > rule["max"]:
                errors.append(
                    ErrorDetail(
                        "metadata.record.rule_max",
                        here,
                        {
                            "rule": key,
                            "rule_label": rule["label"],
                            "group": group,
                            "count": count,
                            "limit": rule["max"],
                        },
                    )
                )
            if complete and "min" in rule and count < rule["min"]:
                errors.append(
                    ErrorDetail(
                        "metadata.record.rule_min",
                        here,
                        {
                            "rule": key,
                            "rule_label": rule["label"],
                            "group": group,
                            "count": count,
                            "limit": rule["min"],
                        },
                    )
                )
    return errors


def unique_violations(
    document: Document, records: Iterable[Mapping[str, Any]]
) -> list[ErrorDetail]:
    """Records repeating the value (or combination) a `unique` rule forbids to repeat."""
    rows = list(records)
    errors: list[ErrorDetail] = []
    for key, rule in document.get("rules", {}).items():
        if rule["kind"] != "unique":
            continue
        seen: dict[tuple[Any, ...], int] = {}
        for index, row in enumerate(rows):
            values = tuple(row.get(k) for k in rule["fields"])
            if any(v is None for v in values):
                continue
            if values in seen:
                errors.append(
                    ErrorDetail(
                        "metadata.record.rule_unique",
                        pointers.join("", index, rule["fields"][0]),
                        {
                            "rule": key,
                            "rule_label": rule["label"],
                            "first": seen[values] + 1,
                            "group": _group_label(document, rule["fields"], values),
                        },
                    )
                )
            else:
                seen[values] = index
    return errors
