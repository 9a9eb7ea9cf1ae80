"""What both ways of reading the metrics share: the parts they return, yellow and red
*now* (counted directly on their partial index), list completeness, and reading
the parts under the time limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    Select,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.records.models import Record
from yiwang.runtime.supervision.cross_tenant.bounds import limit_time, read_rows
from yiwang.runtime.supervision.cross_tenant.fields import DEPARTMENT, RUNNING, cases

LIST_TYPES: Final = ("power_item", "responsibility_item", "service_item")


METRIC_PARTS: Final = ("cases", "now", "warnings", "complaints", "evaluations", "lists")


def now_stmt(ids: Any) -> Select[Any]:
    """Yellow and red now: running cases, on `ix_cases_running_colour`."""
    return (
        select(
            cases.c.tenant_id.label("tenant_id"),
            DEPARTMENT.label("department"),
            func.count().filter(cases.c.colour == "yellow").label("yellow_now"),
            func.count().filter(cases.c.colour == "red").label("red_now"),
        )
        .where(
            cases.c.tenant_id == func.any(ids),
            cases.c.colour.in_(("yellow", "red")),
            cases.c.status.in_(RUNNING),
        )
        .group_by(cases.c.tenant_id, DEPARTMENT)
    )


def list_stmt(ids: Any) -> Select[Any]:
    """Items catalogued per tenant and list type (list completeness)."""
    records = Record.__table__
    return (
        select(records.c.tenant_id, records.c.type_key, func.count().label("items"))
        .where(
            records.c.tenant_id == func.any(ids),
            records.c.type_key.in_(LIST_TYPES),
            records.c.deleted_at.is_(None),
        )
        .group_by(records.c.tenant_id, records.c.type_key)
    )


async def read_parts(
    session: AsyncSession, statements: Sequence[tuple[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each named statement's rows, all under the time limit; parts not read are empty."""
    await limit_time(session)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in METRIC_PARTS}
    for name, stmt in statements:
        out[name] = await read_rows(session, stmt)
    return out
