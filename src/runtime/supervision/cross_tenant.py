"""The queries that cross tenants: the only SQL of this room that reads more than one
tenant, and each function's name says so.

They never choose their tenants around row-level security: the caller passes
the ids it wants, already within the scope the guard decided for the
`/subtree/` route, and the policy on every table admits only the transaction's
visible tenants anyway, so a tenant outside the subtree reads as empty.

Bounds: each statement runs under `SET LOCAL statement_timeout` (`TIME_LIMIT_MS`)
and reads one row (or group) more than it returns, so a caller learns that a
bound was hit. A page is read per tenant on its own index (a LATERAL join over
the tenant ids, as the list room's subtree page does) and merged: one short
index scan per tenant instead of sorting the subtree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Date,
    Select,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from yiwang.runtime.cases.models import Case, CaseOutbox
from yiwang.runtime.records.models import Record
from yiwang.runtime.supervision.errors import SupervisionTimedOut
from yiwang.runtime.supervision.models import BAD_GRADE, CaseFacts, Complaint, Evaluation
from yiwang.runtime.supervision.periods import Period
from yiwang.runtime.supervision.query import CaseQuery, Filter

#: every statement of a cross-tenant query stops after this long
TIME_LIMIT_MS: Final = 5000
#: cases whose clock still runs: the ones a colour now means something for
RUNNING: Final = ("submitted", "in_review", "supplement_requested")
LIST_TYPES: Final = ("power_item", "responsibility_item", "service_item")

cases = Case.__table__
facts = CaseFacts.__table__
#: the expression the migration's index `ix_cases_tenant_department` is on
DEPARTMENT: Final[ColumnElement[str]] = literal_column(
    "(cases.state ->> 'implementing_department')"
)
CHINA_TZ: Final = "Asia/Shanghai"


def _china_day(column: Any) -> ColumnElement[Any]:
    return cast(func.timezone(CHINA_TZ, column), Date)


#: a query field -> its column
COLUMNS: Final[dict[str, Any]] = {
    "number": cases.c.number,
    "service_item": cases.c.service_item,
    "department": DEPARTMENT,
    "status": cases.c.status,
    "colour": cases.c.colour,
    "power_type": facts.c.power_type,
    "online": facts.c.online,
    "submitted_at": cases.c.submitted_at,
    "updated_at": cases.c.updated_at,
    "promised_due": cases.c.promised_due,
}


def _condition(f: Filter) -> ColumnElement[bool]:
    column: ColumnElement[Any] = COLUMNS[f.field]
    if f.op == "in":
        return column.in_(list(f.value))
    if f.op == "gte":
        ge: ColumnElement[bool] = column >= f.value
        return ge
    if f.op == "lt":
        lt: ColumnElement[bool] = column < f.value
        return lt
    if f.field == "online" and f.value is False:
        # a case without facts was not done online either
        return or_(column.is_(None), column.is_(false()))
    eq: ColumnElement[bool] = column == f.value
    return eq


def _where(query: CaseQuery) -> list[ColumnElement[bool]]:
    out = [_condition(f) for f in query.filters if f.field not in ("tenant", "level")]
    if query.period is not None:
        out.append(_within(cases.c.submitted_at, query.period))
    return out


async def _limit_time(session: AsyncSession) -> None:
    """`SET LOCAL statement_timeout`: every later statement of the transaction is bounded."""
    await session.execute(select(func.set_config("statement_timeout", str(TIME_LIMIT_MS), true())))


def _timed_out(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "57014"  # query_canceled


async def _rows(session: AsyncSession, stmt: Any) -> list[dict[str, Any]]:
    """The rows of `stmt`; cancelled by the time limit, `supervision.timed_out`."""
    try:
        return [dict(r) for r in (await session.execute(stmt)).mappings()]
    except DBAPIError as exc:
        if _timed_out(exc):
            raise SupervisionTimedOut(
                "supervision.timed_out", seconds=TIME_LIMIT_MS // 1000
            ) from None
        raise


async def _bounded_rows(session: AsyncSession, stmt: Select[Any], limit: int) -> Bounded:
    """The first `limit` rows of `stmt` under the time limit, and whether there were
    more: it reads one row beyond the bound."""
    await _limit_time(session)
    rows = await _rows(session, stmt.limit(limit + 1))
    return Bounded(rows[:limit], len(rows) > limit)


def _ids(tenant_ids: Sequence[int]) -> Any:
    return bindparam("tenant_ids", list(tenant_ids), type_=ARRAY(BIGINT))


def _of_case(table: Any) -> ColumnElement[bool]:
    """The join condition of a row that names its case: the same tenant, the case's id."""
    return and_(cases.c.tenant_id == table.c.tenant_id, cases.c.id == table.c.case_id)


def _within(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_at)


def _facts_join() -> Any:
    return cases.outerjoin(facts, _of_case(facts))


def _row_columns(query: CaseQuery) -> list[Any]:
    overlay = [cases.c.form_data[key].astext.label(key) for key in query.overlay]
    return [
        cases.c.tenant_id,
        cases.c.id,
        cases.c.number,
        cases.c.service_item,
        DEPARTMENT.label("department"),
        cases.c.status,
        cases.c.colour,
        cases.c.submitted_at,
        cases.c.updated_at,
        cases.c.promised_due,
        facts.c.power_type,
        facts.c.online,
        facts.c.fully_online,
        facts.c.visits,
        *overlay,
    ]


@dataclass(frozen=True)
class Bounded:
    rows: list[dict[str, Any]]
    #: the row (or group) bound was hit: more exist than were returned
    truncated: bool


async def cross_tenant_case_page(
    session: AsyncSession, tenant_ids: Sequence[int], query: CaseQuery
) -> Bounded:
    """The first `query.limit` cases across `tenant_ids`, in the query's order: each
    tenant's first rows on its own index, then merged."""
    if not tenant_ids:
        return Bounded([], False)
    key, descending = query.sort
    n = query.limit + 1  # each tenant reads one beyond the bound, as the merge does
    tenant = func.unnest(_ids(tenant_ids)).table_valued("id").render_derived(name="t")
    column = COLUMNS[key]
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    tie = cases.c.id.desc() if descending else cases.c.id.asc()
    inner = (
        select(*_row_columns(query))
        .select_from(_facts_join())
        .where(cases.c.tenant_id == tenant.c.id, *_where(query))
        .order_by(order, tie)
        .limit(n)
        .lateral("c")
    )
    outer_column = inner.c[key]
    outer_order = (
        outer_column.desc().nulls_last() if descending else outer_column.asc().nulls_last()
    )
    outer_tie = inner.c.id.desc() if descending else inner.c.id.asc()
    stmt = (
        select(inner)
        .select_from(tenant.join(inner, true()))
        .order_by(outer_order, inner.c.tenant_id, outer_tie)
    )
    return await _bounded_rows(session, stmt, query.limit)


async def cross_tenant_case_stream(
    session: AsyncSession, tenant_ids: Sequence[int], query: CaseQuery, batch: int = 2000
) -> AsyncIterator[dict[str, Any]]:
    """Every case of the query across `tenant_ids` (at most `query.limit`), tenant by
    tenant in case order, read through a server-side cursor: an export's rows."""
    if not tenant_ids:
        return
    stmt = (
        select(*_row_columns(query))
        .select_from(_facts_join())
        .where(cases.c.tenant_id == func.any(_ids(tenant_ids)), *_where(query))
        .order_by(cases.c.tenant_id, cases.c.id)
        .limit(query.limit)
        .execution_options(yield_per=batch)
    )
    result = await session.stream(stmt)
    async for row in result.mappings():
        yield dict(row)


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
        .select_from(_facts_join())
        .where(cases.c.tenant_id == func.any(_ids(tenant_ids)), *_where(query))
        .group_by(*(c.element for c in columns))
        .order_by(func.count().desc(), *(c.element for c in columns))
    )
    return await _bounded_rows(session, stmt, query.limit)


# --- metrics ------------------------------------------------------------------


async def cross_tenant_metric_rows(
    session: AsyncSession, tenant_ids: Sequence[int], period: Period
) -> dict[str, list[dict[str, Any]]]:
    """The direct counts behind every supervision metric, per tenant and department
    (completeness per tenant), for cases submitted, complaints opened, evaluations
    given and warnings raised in `period`; yellow and red `now` over running cases."""
    if not tenant_ids:
        return {k: [] for k in ("cases", "now", "warnings", "complaints", "evaluations", "lists")}
    ids = _ids(tenant_ids)
    in_period = _within(cases.c.submitted_at, period)
    completed = cases.c.status == "completed"
    finished_day = _china_day(cases.c.updated_at)
    submitted_day = _china_day(cases.c.submitted_at)
    with_promise = and_(completed, cases.c.promised_due.is_not(None))
    by = (cases.c.tenant_id.label("tenant_id"), DEPARTMENT.label("department"))
    case_stmt = (
        select(
            *by,
            func.count().label("cases"),
            func.count(facts.c.case_id).label("with_facts"),
            func.count().filter(facts.c.online).label("online"),
            func.count().filter(facts.c.fully_online).label("fully_online"),
            func.count().filter(facts.c.visits == 0).label("zero_visit"),
            func.count().filter(completed).label("completed"),
            func.count()
            .filter(and_(with_promise, finished_day <= cases.c.promised_due))
            .label("on_time"),
            func.coalesce(func.sum(finished_day - submitted_day).filter(completed), 0).label(
                "handling_days"
            ),
            func.count().filter(with_promise).label("promised_cases"),
            func.coalesce(
                func.sum(cases.c.promised_due - submitted_day).filter(with_promise), 0
            ).label("promised_days"),
        )
        .select_from(_facts_join())
        .where(cases.c.tenant_id == func.any(ids), in_period)
        .group_by(cases.c.tenant_id, DEPARTMENT)
    )
    now_stmt = (
        select(
            *by,
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
    outbox = CaseOutbox.__table__
    warn_stmt = (
        select(
            *by,
            func.count(func.distinct(outbox.c.case_id))
            .filter(outbox.c.kind == "deadline.yellow")
            .label("yellow_period"),
            func.count(func.distinct(outbox.c.case_id))
            .filter(outbox.c.kind == "deadline.red")
            .label("red_period"),
        )
        .select_from(outbox.join(cases, _of_case(outbox)))
        .where(
            outbox.c.tenant_id == func.any(ids),
            outbox.c.kind.in_(("deadline.yellow", "deadline.red")),
            _within(outbox.c.created_at, period),
        )
        .group_by(cases.c.tenant_id, DEPARTMENT)
    )
    complaints = Complaint.__table__
    closed = complaints.c.closed_at.is_not(None)
    complaint_stmt = (
        select(
            complaints.c.tenant_id.label("tenant_id"),
            func.coalesce(complaints.c.department, DEPARTMENT).label("department"),
            func.count().label("complaints"),
            func.count().filter(closed).label("closed"),
            func.coalesce(
                func.sum(
                    func.extract("epoch", complaints.c.closed_at - complaints.c.opened_at)
                ).filter(closed),
                0,
            ).label("closing_seconds"),
        )
        .select_from(complaints.outerjoin(cases, _of_case(complaints)))
        .where(
            complaints.c.tenant_id == func.any(ids),
            _within(complaints.c.opened_at, period),
        )
        .group_by(complaints.c.tenant_id, func.coalesce(complaints.c.department, DEPARTMENT))
    )
    evaluations = Evaluation.__table__
    bad = evaluations.c.grade <= BAD_GRADE
    evaluation_stmt = (
        select(
            *by,
            *(
                func.count().filter(evaluations.c.grade == g).label(f"grade_{g}")
                for g in range(1, 6)
            ),
            func.count()
            .filter(
                and_(
                    bad,
                    evaluations.c.rectified_at.is_not(None),
                    _china_day(evaluations.c.rectified_at) <= evaluations.c.rectify_due,
                )
            )
            .label("rectified_in_time"),
        )
        .select_from(evaluations.join(cases, _of_case(evaluations)))
        .where(
            evaluations.c.tenant_id == func.any(ids),
            _within(evaluations.c.at, period),
        )
        .group_by(cases.c.tenant_id, DEPARTMENT)
    )
    records = Record.__table__
    list_stmt = (
        select(
            records.c.tenant_id,
            records.c.type_key,
            func.count().label("items"),
        )
        .where(
            records.c.tenant_id == func.any(ids),
            records.c.type_key.in_(LIST_TYPES),
            records.c.deleted_at.is_(None),
        )
        .group_by(records.c.tenant_id, records.c.type_key)
    )
    await _limit_time(session)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, stmt in (
        ("cases", case_stmt),
        ("now", now_stmt),
        ("warnings", warn_stmt),
        ("complaints", complaint_stmt),
        ("evaluations", evaluation_stmt),
        ("lists", list_stmt),
    ):
        out[name] = await _rows(session, stmt)
    return out
