"""The query fields of a cross-tenant query and their columns (on the case or its
facts), the filters' conditions, the joins of a row to its case, and ordering."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    Date,
    and_,
    cast,
    false,
    func,
    literal_column,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement

from yiwang.runtime.cases.models import Case
from yiwang.runtime.supervision.models import (
    CaseFacts,
)
from yiwang.runtime.supervision.periods import Period
from yiwang.runtime.supervision.query import CaseQuery, Filter

#: cases whose clock still runs: the ones a colour now means something for
RUNNING: Final = ("submitted", "in_review", "supplement_requested")


cases = Case.__table__
facts = CaseFacts.__table__
#: the expression the migration's index `ix_cases_tenant_department` is on
DEPARTMENT: Final[ColumnElement[str]] = literal_column(
    "(cases.state ->> 'implementing_department')"
)
CHINA_TZ: Final = "Asia/Shanghai"
#: the query fields held by the facts, not the case
FACT_FIELDS: Final = frozenset({"power_type", "online"})


def china_day(column: Any) -> ColumnElement[Any]:
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


def where_of(query: CaseQuery) -> list[ColumnElement[bool]]:
    out = [_condition(f) for f in query.filters if f.field not in ("tenant", "level")]
    if query.period is not None:
        out.append(within(cases.c.submitted_at, query.period))
    return out


def of_case(table: Any) -> ColumnElement[bool]:
    """The join condition of a row that names its case: the same tenant, the case's id."""
    return and_(cases.c.tenant_id == table.c.tenant_id, cases.c.id == table.c.case_id)


def within(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_at)


def facts_join() -> Any:
    return cases.outerjoin(facts, of_case(facts))


def row_columns(query: CaseQuery) -> list[Any]:
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


def ordered(column: Any, descending: bool, nullable: bool = False) -> Any:
    """`column` in order; NULLs last only where the column can hold them (an index on a
    NOT NULL column serves `DESC`, not `DESC NULLS LAST`)."""
    ordered = column.desc() if descending else column.asc()
    return ordered.nulls_last() if nullable else ordered
