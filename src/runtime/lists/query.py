"""A list query as the client asks it, checked against the view: the plan the compiler runs.

Query parameters:

    view=KEY                   the list view (default: the type's first staff view)
    filter.FIELD=VALUE         equality; filter.FIELD.OP=VALUE for another operator
    sort=-fiscal_year,fund_name   '-' for descending; only the view's sortable fields
    limit=N                    1..200 (default: the view's page size)
    cursor=...                 the `next_cursor` of the previous page
    q=TEXT                     full-text search, when a search module is plugged in
    personal=masked|full       personal data in full (needs the permission; audited)

A name the client sends is only ever looked up in the view's whitelist; values
are parsed by the field's type (a code must be one of its list, money is an
integer number of 分, dates are ISO dates) and bound, never written into SQL.
Every problem is reported at once, each with the pointer of its parameter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.lists.errors import ListQueryInvalid, SearchQueryInvalid
from yiwang.runtime.lists.search import parse_query
from yiwang.runtime.lists.views import MAX_PAGE_SIZE, View
from yiwang.runtime.records.expressions import ORDERABLE, kind_of

FILTER_PREFIX: Final = "filter."
KNOWN_PARAMETERS: Final = frozenset({"view", "sort", "limit", "cursor", "q", "personal"})
MAX_IN_VALUES: Final = 50
MAX_TEXT_VALUE: Final = 200

#: operators by kind, in the order error messages list them
OPERATORS: Final[Mapping[str, tuple[str, ...]]] = {
    "text": ("eq", "ne", "in", "prefix"),
    "integer": ("eq", "ne", "lt", "le", "gt", "ge", "in"),
    "number": ("eq", "ne", "lt", "le", "gt", "ge", "in"),
    "date": ("eq", "ne", "lt", "le", "gt", "ge"),
    "instant": ("lt", "le", "gt", "ge"),
    "boolean": ("eq",),
    "codes": ("has", "any"),
    "pii": ("eq",),
}
_BOOLEANS: Final[Mapping[str, bool]] = {
    "true": True,
    "1": True,
    "是": True,
    "false": False,
    "0": False,
    "否": False,
}


@dataclass(frozen=True)
class Condition:
    field: str
    kind: str
    op: str
    value: Any
    pointer: str


@dataclass(frozen=True)
class Order:
    """One sort key; `field` None is the record id, the last key of every order."""

    field: str | None
    kind: str
    descending: bool


@dataclass(frozen=True)
class Plan:
    view: View
    conditions: tuple[Condition, ...]
    order: tuple[Order, ...]
    limit: int
    cursor: str | None
    search: str | None
    personal: bool

    def fingerprint(self) -> str:
        """What a cursor must agree with: the same type, view, filters and order."""
        shape = {
            "type": self.view.type_key,
            "view": self.view.key,
            "where": [[c.field, c.op, _plain(c.value)] for c in self.conditions],
            "order": [[o.field, o.descending] for o in self.order],
            "q": self.search,
        }
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode())
        return digest.hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal | datetime | date):
        return str(value)
    return value


class _Problems:
    def __init__(self) -> None:
        self.details: list[ErrorDetail] = []

    def add(self, code: str, pointer: str, **params: Any) -> None:
        self.details.append(ErrorDetail(code, pointer, params))

    def raise_if_any(self) -> None:
        if self.details:
            raise ListQueryInvalid(
                "lists.invalid",
                pointer=self.details[0].pointer,
                details=self.details,
                count=len(self.details),
            )


def _codes(definition: Mapping[str, Any]) -> set[str] | None:
    code_list = definition.get("code_list_values")
    return set(code_list) if code_list is not None else None


def _one_value(
    definition: Mapping[str, Any], kind: str, raw: str, pointer: str, problems: _Problems
) -> Any:
    label = definition["label"]
    shown = raw[:40]
    if kind in ("text", "codes", "pii"):
        if not raw or len(raw) > MAX_TEXT_VALUE:
            problems.add(
                "lists.filter_value", pointer, label=label, value=shown, expected="1 至 200 个字符"
            )
            return None
        allowed = _codes(definition)
        if allowed is not None and raw not in allowed:
            problems.add("lists.filter_code_unknown", pointer, label=label, value=shown)
            return None
        if definition["type"] == "division" and not (len(raw) == 6 and raw.isdigit()):
            problems.add(
                "lists.filter_value", pointer, label=label, value=shown, expected="6 位区划代码"
            )
            return None
        return raw
    if kind in ("integer", "number"):
        integral = kind == "integer"
        try:
            number = Decimal(raw)
            if not number.is_finite() or (integral and number != number.to_integral_value()):
                raise InvalidOperation(raw)
        except InvalidOperation:
            expected = (
                "整数（金额以分为单位）"
                if definition["type"] == "money"
                else ("整数" if integral else "数字")
            )
            problems.add("lists.filter_value", pointer, label=label, value=shown, expected=expected)
            return None
        if integral and not -(2**63) <= number < 2**63:
            problems.add(
                "lists.filter_value", pointer, label=label, value=shown, expected="更小的整数"
            )
            return None
        return int(number) if integral else number
    if kind == "boolean":
        if raw.lower() not in _BOOLEANS:
            problems.add("lists.filter_value", pointer, label=label, value=shown, expected="是或否")
            return None
        return _BOOLEANS[raw.lower()]
    if kind == "date":
        try:
            return date.fromisoformat(raw).isoformat() if len(raw) == 10 else _bad()
        except ValueError:
            problems.add(
                "lists.filter_value",
                pointer,
                label=label,
                value=shown,
                expected="日期，如 2026-12-01",
            )
            return None
    if kind == "instant":
        try:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                raise ValueError(raw)
            return moment
        except ValueError:
            problems.add(
                "lists.filter_value",
                pointer,
                label=label,
                value=shown,
                expected="带时区的时间，如 2026-12-01T09:00:00+08:00",
            )
            return None
    raise ValueError(kind)


def _bad() -> str:
    raise ValueError("not an ISO date")


def _filter(
    document: Document,
    view: View,
    name: str,
    raw: str,
    problems: _Problems,
    hash_pii: Callable[[str, str], str],
) -> Condition | None:
    pointer = f"/{name}"
    rest = name[len(FILTER_PREFIX) :]
    key, _, op = rest.partition(".")
    op = op or "eq"
    fields = document["fields"]
    if key not in view.filters or key not in fields:
        problems.add("lists.filter_not_allowed", pointer, view_label=view.label, field=key[:64])
        return None
    definition = dict(fields[key])
    if "code_list" in definition:
        values = document.get("code_lists", {}).get(definition["code_list"], {}).get("values")
        if values is not None:
            definition["code_list_values"] = [v["code"] for v in values]
    kind = kind_of(definition)
    allowed = OPERATORS.get(kind or "", ())
    if op not in allowed:
        problems.add(
            "lists.filter_operator",
            pointer,
            label=definition["label"],
            op=op[:20],
            allowed="、".join(allowed) or "无",
        )
        return None
    assert kind is not None
    if op in ("in", "any"):
        parts = raw.split(",")
        if not parts or len(parts) > MAX_IN_VALUES:
            problems.add(
                "lists.filter_value",
                pointer,
                label=definition["label"],
                value=raw[:40],
                expected=f"1 至 {MAX_IN_VALUES} 个以逗号分隔的值",
            )
            return None
        values = [_one_value(definition, kind, p, pointer, problems) for p in parts]
        if any(v is None for v in values):
            return None
        value: Any = values
    else:
        value = _one_value(definition, kind, raw, pointer, problems)
        if value is None:
            return None
    if kind == "pii":
        value = hash_pii(key, value)
    return Condition(key, kind, op, value, pointer)


def _order(
    document: Document, view: View, raw: str | None, problems: _Problems
) -> tuple[Order, ...]:
    fields = document["fields"]
    if raw is None:
        keys = [(s.field, s.descending) for s in view.sort]
    else:
        keys = []
        sortable = view.sortable(document)
        seen: set[str] = set()
        for index, item in enumerate(p.strip() for p in raw.split(",")):
            descending = item.startswith("-")
            key = item.lstrip("-+")
            if key not in sortable or key not in fields:
                problems.add(
                    "lists.sort_not_allowed",
                    "/sort",
                    view_label=view.label,
                    field=key[:64],
                    allowed="、".join(sortable) or "无",
                    index=index,
                )
                continue
            if key in seen:
                problems.add("lists.sort_repeated", "/sort", field=key)
                continue
            seen.add(key)
            keys.append((key, descending))
    order = []
    for key, descending in keys:
        kind = kind_of(fields[key]) if key in fields else None
        if kind not in ORDERABLE:
            problems.add(
                "lists.sort_not_allowed",
                "/sort",
                view_label=view.label,
                field=key,
                allowed="、".join(view.sortable(document)) or "无",
            )
            continue
        assert kind is not None
        order.append(Order(key, kind, descending))
    # the id breaks ties; with no other key the newest come first
    order.append(Order(None, "integer", not order))
    return tuple(order)


def plan_query(
    document: Document,
    view: View,
    params: Mapping[str, Sequence[str]],
    *,
    hash_pii: Callable[[str, str], str],
    searchable: bool,
) -> Plan:
    """Check every parameter against the view; raise `ListQueryInvalid` listing each problem."""
    problems = _Problems()
    single: dict[str, str] = {}
    for name, values in params.items():
        if name not in KNOWN_PARAMETERS and not name.startswith(FILTER_PREFIX):
            problems.add("lists.parameter_unknown", f"/{name[:64]}", name=name[:64])
            continue
        if len(values) != 1:
            problems.add("lists.parameter_repeated", f"/{name[:64]}", name=name[:64])
            continue
        single[name] = values[0]
    conditions = []
    for name, raw in single.items():
        if name.startswith(FILTER_PREFIX):
            found = _filter(document, view, name, raw, problems, hash_pii)
            if found is not None:
                conditions.append(found)
    order = _order(document, view, single.get("sort"), problems)
    limit = view.page_size
    if "limit" in single:
        raw = single["limit"]
        if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE:
            limit = int(raw)
        else:
            problems.add("lists.limit_invalid", "/limit", max=MAX_PAGE_SIZE, value=raw[:20])
    search = single.get("q")
    if search is not None:
        if not searchable:
            problems.add("lists.search.unavailable", "/q")
        else:
            try:
                parse_query(search)
            except SearchQueryInvalid as refused:
                problems.add(refused.code, "/q", **refused.params)
    personal = single.get("personal", "masked")
    if personal not in ("masked", "full"):
        problems.add("lists.personal_invalid", "/personal")
    problems.raise_if_any()
    return Plan(
        view=view,
        conditions=tuple(sorted(conditions, key=lambda c: (c.field, c.op))),
        order=order,
        limit=limit,
        cursor=single.get("cursor"),
        search=search.strip() if search else None,
        personal=personal == "full",
    )
