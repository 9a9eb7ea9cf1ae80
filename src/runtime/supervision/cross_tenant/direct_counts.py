"""The reference counts of every metric, straight from the raw records: any period,
and what the rollup must agree with exactly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    and_,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.cases.models import CaseOutbox
from yiwang.runtime.supervision.cross_tenant.bounds import ids_param
from yiwang.runtime.supervision.cross_tenant.fields import (
    DEPARTMENT,
    cases,
    china_day,
    facts,
    facts_join,
    of_case,
    within,
)
from yiwang.runtime.supervision.cross_tenant.metric_parts import (
    METRIC_PARTS,
    list_stmt,
    now_stmt,
    read_parts,
)
from yiwang.runtime.supervision.models import (
    BAD_GRADE,
    Complaint,
    Evaluation,
)
from yiwang.runtime.supervision.periods import Period


async def cross_tenant_metric_rows_direct(
    session: AsyncSession, tenant_ids: Sequence[int], period: Period
) -> dict[str, list[dict[str, Any]]]:
    """The reference: direct counts over the raw records behind every supervision
    metric, per tenant and department (completeness per tenant), for cases submitted,
    complaints (not questions) opened, evaluations given and warnings raised in `period`; yellow and
    red `now` over running cases. The rollup must agree with it exactly (a test checks)."""
    if not tenant_ids:
        return {k: [] for k in METRIC_PARTS}
    ids = ids_param(tenant_ids)
    in_period = within(cases.c.submitted_at, period)
    completed = cases.c.status == "completed"
    finished_day = china_day(cases.c.updated_at)
    submitted_day = china_day(cases.c.submitted_at)
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
        .select_from(facts_join())
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
        .select_from(outbox.join(cases, of_case(outbox)))
        .where(
            outbox.c.tenant_id == func.any(ids),
            outbox.c.kind.in_(("deadline.yellow", "deadline.red")),
            within(outbox.c.created_at, period),
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
        .select_from(complaints.outerjoin(cases, of_case(complaints)))
        .where(
            complaints.c.tenant_id == func.any(ids),
            complaints.c.kind == "complaint",  # questions (咨询) are no complaints
            within(complaints.c.opened_at, period),
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
                    china_day(evaluations.c.rectified_at) <= evaluations.c.rectify_due,
                )
            )
            .label("rectified_in_time"),
        )
        .select_from(evaluations.join(cases, of_case(evaluations)))
        .where(
            evaluations.c.tenant_id == func.any(ids),
            within(evaluations.c.at, period),
        )
        .group_by(cases.c.tenant_id, DEPARTMENT)
    )
    return await read_parts(
        session,
        (
            ("cases", case_stmt),
            ("now", now_stmt(ids)),
            ("warnings", warn_stmt),
            ("complaints", complaint_stmt),
            ("evaluations", evaluation_stmt),
            ("lists", list_stmt(ids)),
        ),
    )
