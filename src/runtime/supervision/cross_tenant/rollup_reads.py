"""The metrics' counts of a period of whole months, from the monthly rollup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Select,
    cast,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.supervision.cross_tenant.bounds import ids_param
from yiwang.runtime.supervision.cross_tenant.direct_counts import cross_tenant_metric_rows_direct
from yiwang.runtime.supervision.cross_tenant.fields import DEPARTMENT, cases, of_case
from yiwang.runtime.supervision.cross_tenant.metric_parts import (
    METRIC_PARTS,
    list_stmt,
    read_parts,
)
from yiwang.runtime.supervision.models import (
    ROLLUP_COUNTERS,
    NowCounts,
    Rollup,
    WarningMonth,
)
from yiwang.runtime.supervision.periods import Period


def whole_months(period: Period) -> bool:
    """The period starts on a month's first day and ends at a month's end: the
    rollup's grain."""
    return period.start.day == 1 and period.end.day == 1


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month


def _repeats_stmt(ids: Any, period: Period, departments: bool) -> Select[Any]:
    """What the months' sums count more than once: a case warned (in one colour) in
    several months of the period, as negative yellow/red counts, read from the few
    rows marked `repeated`."""
    warned = WarningMonth.__table__
    by: tuple[Any, ...] = (warned.c.tenant_id, DEPARTMENT) if departments else (warned.c.tenant_id,)

    def extra(kind: str) -> Any:
        mine = warned.c.kind == kind
        return func.count(func.distinct(warned.c.case_id)).filter(mine) - func.count().filter(mine)

    return (
        select(
            warned.c.tenant_id,
            (DEPARTMENT if departments else null()).label("department"),
            extra("yellow").label("yellow_period"),
            extra("red").label("red_period"),
        )
        .select_from(warned.join(cases, of_case(warned)))
        .where(
            warned.c.tenant_id == func.any(ids),
            warned.c.repeated,
            warned.c.month >= period.start,
            warned.c.month < period.end,
        )
        .group_by(*by)
    )


def _summed(column: Any) -> Any:
    """The sum of a counter as the column's own type: a bigint's sum is `numeric`, and
    decoding ~20,000 numerics (a province's month) cost more than the statement."""
    return cast(func.sum(column), column.type)


def _now_stmt(ids: Any, departments: bool) -> Select[Any]:
    """Yellow and red now per tenant (and department): `supervision_now`, one row per
    tenant and department (the running counts once lived on every month's rollup row,
    and a province read thirteen times the rows under its row-level security)."""
    now = NowCounts.__table__
    if departments:
        return select(
            now.c.tenant_id,
            func.nullif(now.c.department, "").label("department"),
            now.c.yellow_now,
            now.c.red_now,
        ).where(now.c.tenant_id == func.any(ids), or_(now.c.yellow_now != 0, now.c.red_now != 0))
    return (
        select(
            now.c.tenant_id,
            null().label("department"),
            _summed(now.c.yellow_now).label("yellow_now"),
            _summed(now.c.red_now).label("red_now"),
        )
        .where(now.c.tenant_id == func.any(ids))
        .group_by(now.c.tenant_id)
    )


async def cross_tenant_metric_rows(
    session: AsyncSession, tenant_ids: Sequence[int], period: Period, *, departments: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """The counts behind every supervision metric, per tenant and department
    (completeness per tenant). A period of whole months reads the monthly rollup
    (one row per tenant, department and month; the same figures as
    `cross_tenant_metric_rows_direct`); any other period the direct counts.
    Yellow and red `now` are `supervision_now`'s running counts. `departments=False`:
    the rollup's rows summed per tenant in SQL (department None), for a grain no finer
    than the tenant: a province folds 103 rows, not 2,000."""
    if not tenant_ids:
        return {k: [] for k in METRIC_PARTS}
    if not whole_months(period):
        return await cross_tenant_metric_rows_direct(session, tenant_ids, period)
    ids = ids_param(tenant_ids)
    rollup = Rollup.__table__
    by = (rollup.c.tenant_id, rollup.c.department) if departments else (rollup.c.tenant_id,)
    month_stmt = (
        select(
            rollup.c.tenant_id,
            (func.nullif(rollup.c.department, "") if departments else null()).label("department"),
            *(_summed(rollup.c[name]).label(name) for name in ROLLUP_COUNTERS),
        )
        .where(
            rollup.c.tenant_id == func.any(ids),
            rollup.c.month >= period.start,
            rollup.c.month < period.end,
        )
        .group_by(*by)
    )
    statements: list[tuple[str, Any]] = [
        ("cases", month_stmt),
        ("now", _now_stmt(ids, departments)),
    ]
    if _months(period) > 1:
        statements.append(("warnings", _repeats_stmt(ids, period, departments)))
    statements.append(("lists", list_stmt(ids)))
    return await read_parts(session, statements)
