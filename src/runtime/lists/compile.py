"""Compile a checked list plan to one SQL statement: filters, order, keyset, scope.

Pure: a plan in, SQL text and parameters out. The text is assembled only from
this module's fixed fragments and the expressions of `expressions` (field keys
from the metadata, checked against the key pattern); every value the client
sent, cursor values included, is a bound parameter.

One tenant: a range scan on the view's expression index. Several tenants (a
subtree): each tenant's first page is read on its own index (a LATERAL join
over the visible tenant ids) and the pages are merged, so a province's query
costs one short index scan per tenant instead of sorting the whole subtree.

Search plugs in through `SearchClause`: a boolean condition on a `records`
row with its own bound parameters, supplied by the search module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from yiwang.metadata.documents.shapes import Document
from yiwang.runtime.lists.query import Condition, Order, Plan
from yiwang.runtime.lists.views import View
from yiwang.runtime.records.expressions import PARAM_TYPE, checked_key, sql_of

ROW_COLUMNS = (
    "id",
    "tenant_id",
    "number",
    "status",
    "version",
    "department",
    "updated_at",
    "data",
    "pii_masked",
)
#: `jsonb_build_object` takes at most 100 arguments: 50 keys and their values
_KEYS_PER_OBJECT = 50
#: a page row's document, read once: `data || '{}'` hands back the detoasted value
#: (PostgreSQL returns the non-empty side of an object concatenation unchanged), and
#: `OFFSET 0` keeps the planner from folding it back into each `->` of the columns,
#: each of which would decompress the whole stored document again
_SHOWN = "CROSS JOIN LATERAL (SELECT data || jsonb_build_object() AS doc OFFSET 0) AS shown"


class SearchClause(Protocol):
    """What a search module provides: a boolean SQL condition on a `records` row that
    matches `text`, with parameters whose names start with `prefix`."""

    def __call__(
        self, document: Document, view: View, text: str, prefix: str
    ) -> tuple[str, dict[str, Any]]: ...


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: dict[str, Any]
    #: how many sort values (`s0`, `s1`, ...) each row carries before the id
    sort_values: int


def _expr(order: Order) -> str:
    return "id" if order.field is None else sql_of(order.kind, order.field)


def _nullable(document: Document, order: Order) -> bool:
    if order.field is None:
        return False
    return not document["fields"][order.field].get("required", False)


def _condition(condition: Condition, name: str, params: dict[str, Any]) -> str:
    expr = sql_of(condition.kind, condition.field)
    cast = PARAM_TYPE[condition.kind]
    op, value = condition.op, condition.value
    if op == "in":
        params[name] = list(value)
        return f"{expr} = ANY(CAST(:{name} AS {cast}[]))"
    if op == "has":
        params[name] = value
        return f"jsonb_exists({expr}, CAST(:{name} AS text))"
    if op == "any":
        params[name] = list(value)
        return f"jsonb_exists_any({expr}, CAST(:{name} AS text[]))"
    if op == "prefix":
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[name] = escaped + "%"
        return f"{expr} LIKE CAST(:{name} AS text)"
    params[name] = value
    bound = f"CAST(:{name} AS {cast})"
    if op == "ne":
        return f"({expr} <> {bound} OR {expr} IS NULL)"
    symbol = {"eq": "=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
    return f"{expr} {symbol} {bound}"


def _after(
    document: Document, order: Sequence[Order], values: Sequence[Any], params: dict[str, Any]
) -> str:
    """Rows strictly after `values` in `order` (ascending keys put NULLs last, descending
    first, as PostgreSQL and the indexes do), plus a plain bound on the first key so the
    index range starts at the cursor."""

    def cast(i: int) -> str:
        params[f"c{i}"] = values[i]
        return f"CAST(:c{i} AS {PARAM_TYPE[order[i].kind]})" if order[i].field else f":c{i}"

    def after(i: int) -> str:
        expr, value, nullable = _expr(order[i]), values[i], _nullable(document, order[i])
        if order[i].descending:
            if value is None:
                return f"{expr} IS NOT NULL"
            return f"{expr} < {cast(i)}"
        if value is None:
            return "FALSE"
        return f"({expr} > {cast(i)} OR {expr} IS NULL)" if nullable else f"{expr} > {cast(i)}"

    def equal(i: int) -> str:
        expr = _expr(order[i])
        return f"{expr} IS NULL" if values[i] is None else f"{expr} = {cast(i)}"

    clause = after(len(order) - 1)
    for i in range(len(order) - 2, -1, -1):
        clause = f"({after(i)} OR ({equal(i)} AND {clause}))"
    first, value = order[0], values[0]
    if value is not None and not _nullable(document, first):
        bound = ">=" if not first.descending else "<="
        clause = f"{_expr(first)} {bound} {cast(0)} AND {clause}"
    return clause


def _shown_data(columns: Sequence[str]) -> str:
    """The row's `data` cut to the view's columns (a missing field comes back null, as
    the page shows it): a page row is a few hundred bytes to decode instead of the
    whole document, which the list never shows."""
    keys = [checked_key(k) for k in columns]
    parts = [
        "jsonb_build_object("
        + ", ".join(f"'{k}', shown.doc->'{k}'" for k in keys[i : i + _KEYS_PER_OBJECT])
        + ")"
        for i in range(0, len(keys), _KEYS_PER_OBJECT)
    ]
    return " || ".join(parts or ["jsonb_build_object()"]) + " AS data"


def _order_by(order: Sequence[Order], outer: bool, id_column: str = "id") -> str:
    parts = []
    for index, key in enumerate(order):
        expr = (id_column if key.field is None else f"s{index}") if outer else _expr(key)
        parts.append(f"{expr} DESC" if key.descending else f"{expr} ASC")
    return ", ".join(parts)


def _where(
    document: Document,
    plan: Plan,
    params: dict[str, Any],
    *,
    restrict_to_department: bool,
    department: str | None,
    search: SearchClause | None,
) -> list[str]:
    """The view's rows: type, not deleted, department, filters and search (no keyset)."""
    type_key = checked_key(plan.view.type_key)
    where = [f"type_key = '{type_key}'", "deleted_at IS NULL"]
    if restrict_to_department:
        if department is None:
            where.append("FALSE")
        else:
            params["department"] = department
            where.append("department = CAST(:department AS text)")
    for index, condition in enumerate(plan.conditions):
        where.append(_condition(condition, f"f{index}", params))
    if plan.search is not None and search is not None:
        clause, extra = search(document, plan.view, plan.search, "q")
        if any(not name.startswith("q") for name in extra):
            raise ValueError("search parameters must start with 'q'")
        params.update(extra)
        where.append(f"({clause})")
    return where


def compile_count(
    document: Document,
    plan: Plan,
    *,
    tenant_ids: Sequence[int],
    restrict_to_department: bool,
    department: str | None,
    search: SearchClause | None = None,
) -> Compiled:
    """How many rows the whole view holds (an export's progress total)."""
    params: dict[str, Any] = {"tenants": [int(t) for t in tenant_ids]}
    where = _where(
        document,
        plan,
        params,
        restrict_to_department=restrict_to_department,
        department=department,
        search=search,
    )
    sql = (
        "SELECT count(*) AS total FROM records"
        f" WHERE tenant_id = ANY(CAST(:tenants AS bigint[])) AND {' AND '.join(where)}"
    )
    return Compiled(sql, params, 0)


def compile_page(
    document: Document,
    plan: Plan,
    *,
    tenant_ids: Sequence[int],
    restrict_to_department: bool,
    department: str | None,
    after: Sequence[Any] | None,
    reveal: bool,
    search: SearchClause | None = None,
) -> Compiled:
    """The statement for one page (`plan.limit` + 1 rows: the extra says there is more),
    each row's `data` holding the view's columns only."""
    params: dict[str, Any] = {"limit": plan.limit + 1}
    where = _where(
        document,
        plan,
        params,
        restrict_to_department=restrict_to_department,
        department=department,
        search=search,
    )
    if after is not None:
        where.append(_after(document, plan.order, after, params))
    columns = [_shown_data(plan.view.columns) if c == "data" else c for c in ROW_COLUMNS]
    if reveal:
        columns.append("pii_sealed")
    sorts = [f"{_expr(o)} AS s{i}" for i, o in enumerate(plan.order) if o.field is not None]
    select = ", ".join(columns + sorts)
    body = " AND ".join(where)
    order_by = _order_by(plan.order, outer=False)
    if len(tenant_ids) == 1:
        params["tenant"] = int(tenant_ids[0])
        sql = (
            f"SELECT {select} FROM records {_SHOWN} WHERE tenant_id = :tenant AND {body}"
            f" ORDER BY {order_by} LIMIT :limit"
        )
    else:
        params["tenants"] = [int(t) for t in tenant_ids]
        names = [f"s{i}" for i in range(len(sorts))]
        keys = ", ".join(["tenant_id AS key_tenant", "id AS key_id", *sorts])
        outer = _order_by(plan.order, outer=True)
        # the tenants' first pages carry only their keys and sort values, merged; the
        # documents are read for the page's rows alone, not for every tenant's page
        sql = (
            f"SELECT {', '.join(columns + [f'top.{n} AS {n}' for n in names])} FROM"
            " (SELECT page.* FROM unnest(CAST(:tenants AS bigint[])) AS scope(scope_tenant)"
            f" CROSS JOIN LATERAL (SELECT {keys} FROM records"
            f" WHERE records.tenant_id = scope.scope_tenant AND {body}"
            f" ORDER BY {order_by} LIMIT :limit) AS page"
            f" ORDER BY {_order_by(plan.order, outer=True, id_column='key_id')} LIMIT :limit)"
            " AS top"
            " JOIN records ON records.tenant_id = top.key_tenant AND records.id = top.key_id"
            f" {_SHOWN} ORDER BY {outer}"
        )
    return Compiled(sql, params, len(sorts))


def row_sort_values(row: Mapping[str, Any], compiled: Compiled) -> list[Any]:
    """The cursor values of a result row: its sort values, then its id."""
    return [row[f"s{i}"] for i in range(compiled.sort_values)] + [row["id"]]
