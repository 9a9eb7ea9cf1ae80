"""Cases across tenants: a bounded page (per tenant a LATERAL of keys on its own
index, merged and cut, then the rows and facts by key), an export's steps by
primary key and its total, and grouped counts. Every statement runs under the time
limit (`bounds.limit_time`), an export's steps and total as the page does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.supervision.cross_tenant.bounds import (
    Bounded,
    bounded_rows,
    ids_param,
    limit_time,
    read_rows,
    read_scalar,
)
from yiwang.runtime.supervision.cross_tenant.fields import (
    CHINA_TZ,
    COLUMNS,
    FACT_FIELDS,
    cases,
    facts,
    facts_join,
    of_case,
    ordered,
    row_columns,
    where_of,
)
from yiwang.runtime.supervision.query import CaseQuery


async def cross_tenant_case_page(
    session: AsyncSession, tenant_ids: Sequence[int], query: CaseQuery
) -> Bounded:
    """The first `query.limit` cases across `tenant_ids`, in the query's order: each
    tenant's first keys on its own index (only what chooses the rows: the filters'
    and the sort's columns), merged and cut to the bound; only then the chosen
    rows' columns and facts, by primary key."""
    if not tenant_ids:
        return Bounded([], False)
    key, descending = query.sort
    n = query.limit + 1  # each tenant reads one beyond the bound, as the merge does
    tenant = func.unnest(ids_param(tenant_ids)).table_valued("id").render_derived(name="t")
    column = COLUMNS[key]
    nullable = bool(getattr(column, "nullable", True))
    wants_facts = any(f.field in FACT_FIELDS for f in query.filters) or key in FACT_FIELDS
    inner = (
        select(cases.c.tenant_id, cases.c.id, column.label("sort_key"))
        .select_from(facts_join() if wants_facts else cases)
        .where(cases.c.tenant_id == tenant.c.id, *where_of(query))
        .order_by(ordered(column, descending, nullable), ordered(cases.c.id, descending))
        .limit(n)
        .lateral("c")
    )
    picked = (
        select(inner.c.tenant_id, inner.c.id, inner.c.sort_key)
        .select_from(tenant.join(inner, true()))
        .order_by(
            ordered(inner.c.sort_key, descending, nullable),
            inner.c.tenant_id,
            ordered(inner.c.id, descending),
        )
        .limit(n)
        .subquery("picked")
    )
    stmt = (
        select(*row_columns(query))
        .select_from(
            picked.join(
                cases, and_(cases.c.tenant_id == picked.c.tenant_id, cases.c.id == picked.c.id)
            ).outerjoin(facts, of_case(facts))
        )
        .order_by(
            ordered(picked.c.sort_key, descending, nullable),
            picked.c.tenant_id,
            ordered(picked.c.id, descending),
        )
    )
    return await bounded_rows(session, stmt, query.limit)


async def cross_tenant_case_batch(
    session: AsyncSession,
    tenant_ids: Sequence[int],
    query: CaseQuery,
    *,
    after: tuple[int, int] | None,
    size: int,
) -> list[dict[str, Any]]:
    """The next `size` cases of the query across `tenant_ids` after the key `after`
    (tenant id, case id), in that key's order (the primary key's): one step of an
    export, which reads each step in a short unit of its own.

    Tenant by tenant, each a range of its primary key (`tenant_id = t AND id > last`):
    one statement over `tenant_id = ANY(...)` with a row comparison scans every tenant's
    index from its start and merges the facts from theirs (a second a step at
    1,000,000 cases). Each statement under the time limit: `supervision.timed_out`."""
    await limit_time(session)
    rows: list[dict[str, Any]] = []
    start_tenant, start_id = after if after is not None else (None, None)
    for tenant_id in sorted(tenant_ids):
        if len(rows) >= size:
            break
        if start_tenant is not None and tenant_id < start_tenant:
            continue
        conditions = [cases.c.tenant_id == tenant_id, *where_of(query)]
        joined = facts_join()
        if tenant_id == start_tenant and start_id is not None:
            conditions.append(cases.c.id > start_id)
            # the same join, told where the facts' range starts (their key is the case's)
            joined = cases.outerjoin(facts, and_(of_case(facts), facts.c.case_id > start_id))
        stmt = (
            select(*row_columns(query))
            .select_from(joined)
            .where(*conditions)
            .order_by(cases.c.id)
            .limit(size - len(rows))
        )
        rows.extend(await read_rows(session, stmt))
    return rows


async def cross_tenant_case_total(
    session: AsyncSession, tenant_ids: Sequence[int], query: CaseQuery
) -> int:
    """How many cases an export of the query writes (at most `query.limit`): its
    progress's total. Under the time limit: `supervision.timed_out`."""
    if not tenant_ids:
        return 0
    await limit_time(session)
    inner = (
        select(cases.c.id)
        .select_from(facts_join())
        .where(cases.c.tenant_id == func.any(ids_param(tenant_ids)), *where_of(query))
        .limit(query.limit)
        .subquery("counted")
    )
    found = await read_scalar(session, select(func.count()).select_from(inner))
    return int(found or 0)


def _group_columns(group: Sequence[str]) -> list[Any]:
    out: list[Any] = []
    for key in group:
        if key in ("tenant", "level"):
            if not any(c.key == "tenant_id" for c in out):
                out.append(cases.c.tenant_id.label("tenant_id"))
        elif key.startswith("period."):
            unit = key.split(".", 1)[1]
            out.append(
                cast(
                    func.date_trunc(unit, func.timezone(CHINA_TZ, cases.c.submitted_at)), Date
                ).label(key)
            )
        else:
            out.append(COLUMNS[key].label(key))
    return out


async def cross_tenant_case_counts(
    session: AsyncSession, tenant_ids: Sequence[int], query: CaseQuery
) -> Bounded:
    """Case counts across `tenant_ids` grouped by the query's base fields (a `level`
    grouping is read by tenant; the service folds it), largest first."""
    if not tenant_ids:
        return Bounded([], False)
    columns = _group_columns(query.group)
    stmt = (
        select(*columns, func.count().label("count"))
        .select_from(facts_join())
        .where(cases.c.tenant_id == func.any(ids_param(tenant_ids)), *where_of(query))
        .group_by(*(c.element for c in columns))
        .order_by(func.count().desc(), *(c.element for c in columns))
    )
    return await bounded_rows(session, stmt, query.limit)
