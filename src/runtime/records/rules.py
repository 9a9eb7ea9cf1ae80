"""Which aggregate and unique rules a record takes part in, and under which lock.

Rules come from the metadata (`rules:` of kind `aggregate` with a `max`, and
`unique`); nothing is evaluated as an expression. A write takes, for every
rule group the record enters, a transaction-scoped advisory lock keyed by the
tenant scope, the type, the rule and the group's values, then counts the group
in the same transaction: a second writer in the same group waits for the
first to commit and then counts its record, so two concurrent inserts cannot
both pass a cap. A `min` cannot be checked one record at a time (the first
fund of a department would be refused); it is reported by completeness.

Pure: the service runs the locks and counts through the repository.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.record_rules import condition_holds


@dataclass(frozen=True)
class Group:
    """One rule group a record belongs to: `matches` are the grouping fields' values."""

    rule: str
    label: str
    kind: str  # "aggregate" | "unique"
    matches: tuple[tuple[str, Any], ...]
    limit: int
    #: the rule's `where` condition as canonical JSON (hashable), applied to each member
    where: str | None
    scope: str  # "tenant" | "subtree"

    def admits(self, member: Mapping[str, Any]) -> bool:
        return self.where is None or condition_holds(json.loads(self.where), member)

    def lock_key(self, scope_id: int, type_key: str) -> str:
        values = json.dumps([v for _, v in self.matches], ensure_ascii=False, sort_keys=True)
        return f"records:{scope_id}:{type_key}:{self.rule}:{values}"

    def describe(self, document: Document) -> str:
        fields = document["fields"]
        shown = "，".join(f"{fields[k]['label']}={_shown(v)}" for k, v in self.matches)
        return shown or "全部记录"


def _shown(value: Any) -> str:
    if value is None:
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a JSON value (lists become tuples)."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def groups(document: Document, record: Mapping[str, Any]) -> Iterator[Group]:
    """The capped groups `record` enters under the document's rules."""
    for key, rule in document.get("rules", {}).items():
        kind = rule["kind"]
        if kind == "aggregate" and "max" in rule:
            where = rule.get("where")
            if where is not None and not condition_holds(where, record):
                continue
            matches = tuple((k, _frozen(record.get(k))) for k in rule.get("group_by", []))
            yield Group(
                key,
                rule["label"],
                kind,
                matches,
                int(rule["max"]),
                json.dumps(where, sort_keys=True) if where is not None else None,
                rule["scope"],
            )
        elif kind == "unique":
            matches = tuple((k, _frozen(record.get(k))) for k in rule["fields"])
            if any(v is None for _, v in matches):
                continue
            yield Group(key, rule["label"], kind, matches, 1, None, rule["scope"])


def entered(
    document: Document, before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> list[Group]:
    """The groups `after` belongs to that `before` did not: only those can overflow."""
    old = set(groups(document, before)) if before is not None else set()
    return [g for g in groups(document, after) if g not in old]


def count_within(group: Group, members: list[dict[str, Any]]) -> int:
    """How many of the group's stored members the rule counts (its `where` applied)."""
    return sum(1 for m in members if group.admits(m))
