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
from yiwang.runtime.supervision.models import (
    BAD_GRADE,
    ROLLUP_COUNTERS,
    CaseFacts,
    Complaint,
    Evaluation,
    Rollup,
    WarningMonth,
)
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
#: the query fields held by the facts, not the case
FACT_FIELDS: Final = frozenset({"power_type", "online"})


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


def _ordered(column: Any, descending: bool, nullable: bool = False) -> Any:
    """`column` in order; NULLs last only where the column can hold them (an index on a
    NOT NULL column serves `DESC`, not `DESC NULLS LAST`)."""
    ordered = column.desc() if descending else column.asc()
    return ordered.nulls_last() if nullable else ordered


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
    tenant = func.unnest(_ids(tenant_ids)).table_valued("id").render_derived(name="t")
    column = COLUMNS[key]
    nullable = bool(getattr(column, "nullable", True))
    wants_facts = any(f.field in FACT_FIELDS for f in query.filters) or key in FACT_FIELDS
    inner = (
        select(cases.c.tenant_id, cases.c.id, column.label("sort_key"))
        .select_from(_facts_join() if wants_facts else cases)
        .where(cases.c.tenant_id == tenant.c.id, *_where(query))
        .order_by(_ordered(column, descending, nullable), _ordered(cases.c.id, descending))
        .limit(n)
        .lateral("c")
    )
    picked = (
        select(inner.c.tenant_id, inner.c.id, inner.c.sort_key)
        .select_from(tenant.join(inner, true()))
        .order_by(
            _ordered(inner.c.sort_key, descending, nullable),
            inner.c.tenant_id,
            _ordered(inner.c.id, descending),
        )
        .limit(n)
        .subquery("picked")
    )
    stmt = (
        select(*_row_columns(query))
        .select_from(
            picked.join(
                cases, and_(cases.c.tenant_id == picked.c.tenant_id, cases.c.id == picked.c.id)
            ).outerjoin(facts, _of_case(facts))
        )
        .order_by(
            _ordered(picked.c.sort_key, descending, nullable),
            picked.c.tenant_id,
            _ordered(picked.c.id, descending),
        )
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

METRIC_PARTS: Final = ("cases", "now", "warnings", "complaints", "evaluations", "lists")


def _now_stmt(ids: Any) -> Select[Any]:
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


def _list_stmt(ids: Any) -> Select[Any]:
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


async def _parts(
    session: AsyncSession, statements: Sequence[tuple[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each named statement's rows, all under the time limit; parts not read are empty."""
    await _limit_time(session)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in METRIC_PARTS}
    for name, stmt in statements:
        out[name] = await _rows(session, stmt)
    return out


def whole_months(period: Period) -> bool:
    """The period starts on a month's first day and ends at a month's end: the
    rollup's grain."""
    return period.start.day == 1 and period.end.day == 1


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month


def _repeats_stmt(ids: Any, period: Period) -> Select[Any]:
    """What the months' sums count more than once: a case warned (in one colour) in
    several months of the period, as negative yellow/red counts, read from the few
    rows marked `repeated`."""
    warned = WarningMonth.__table__

    def extra(kind: str) -> Any:
        mine = warned.c.kind == kind
        return func.count(func.distinct(warned.c.case_id)).filter(mine) - func.count().filter(mine)

    return (
        select(
            warned.c.tenant_id,
            DEPARTMENT.label("department"),
            extra("yellow").label("yellow_period"),
            extra("red").label("red_period"),
        )
        .select_from(warned.join(cases, _of_case(warned)))
        .where(
            warned.c.tenant_id == func.any(ids),
            warned.c.repeated,
            warned.c.month >= period.start,
            warned.c.month < period.end,
        )
        .group_by(warned.c.tenant_id, DEPARTMENT)
    )


async def cross_tenant_metric_rows(
    session: AsyncSession, tenant_ids: Sequence[int], period: Period
) -> dict[str, list[dict[str, Any]]]:
    """The counts behind every supervision metric, per tenant and department
    (completeness per tenant). A period of whole months reads the monthly rollup
    (one row per tenant, department and month; the same figures as
    `cross_tenant_metric_rows_direct`); any other period the direct counts.
    Yellow and red `now` are counted directly on their partial index."""
    if not tenant_ids:
        return {k: [] for k in METRIC_PARTS}
    if not whole_months(period):
        return await cross_tenant_metric_rows_direct(session, tenant_ids, period)
    ids = _ids(tenant_ids)
    rollup = Rollup.__table__
    month_stmt = (
        select(
            rollup.c.tenant_id,
            func.nullif(rollup.c.department, "").label("department"),
            *(func.sum(rollup.c[name]).label(name) for name in ROLLUP_COUNTERS),
        )
        .where(
            rollup.c.tenant_id == func.any(ids),
            rollup.c.month >= period.start,
            rollup.c.month < period.end,
        )
        .group_by(rollup.c.tenant_id, rollup.c.department)
    )
    statements: list[tuple[str, Any]] = [("cases", month_stmt), ("now", _now_stmt(ids))]
    if _months(period) > 1:
        statements.append(("warnings", _repeats_stmt(ids, period)))
    statements.append(("lists", _list_stmt(ids)))
    return await _parts(session, statements)


async def cross_tenant_metric_rows_direct(
    session: AsyncSession, tenant_ids: Sequence[int], period: Period
) -> dict[str, list[dict[str, Any]]]:
    """The reference: direct counts over the raw records behind every supervision
    metric, per tenant and department (completeness per tenant), for cases submitted,
    complaints opened, evaluations given and warnings raised in `period`; yellow and
    red `now` over running cases. The rollup must agree with it exactly (a test checks)."""
    if not tenant_ids:
        return {k: [] for k in METRIC_PARTS}
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
    return await _parts(
        session,
        (
            ("cases", case_stmt),
            ("now", _now_stmt(ids)),
            ("warnings", warn_stmt),
            ("complaints", complaint_stmt),
            ("evaluations", evaluation_stmt),
            ("lists", _list_stmt(ids)),
        ),
    )
