"""The reads the applicant's feedback needs beside supervision's writes: whether a case is
rated, and when each of a person's cases last changed (its newest timeline row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.cases.models import Case, CaseEvent
from yiwang.runtime.supervision.models import Evaluation


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rating(self, tenant_id: int, number: str) -> int | None:
        """The grade a case was given, or None."""
        grade = await self.session.scalar(
            select(Evaluation.grade)
            .join(Case, (Case.tenant_id == Evaluation.tenant_id) & (Case.id == Evaluation.case_id))
            .where(Case.tenant_id == tenant_id, Case.number == number)
            .limit(1)
        )
        return int(grade) if grade is not None else None

    async def last_changes(self, tenant_id: int, submitter: str) -> dict[str, datetime]:
        """Each of `submitter`'s cases at the tenant with the time of its newest event that
        someone else caused (a case without one is left out)."""
        rows = await self.session.execute(
            select(Case.number, func.max(CaseEvent.at))
            .join(
                CaseEvent, (CaseEvent.tenant_id == Case.tenant_id) & (CaseEvent.case_id == Case.id)
            )
            .where(
                Case.tenant_id == tenant_id,
                Case.submitter == submitter,
                CaseEvent.actor.is_distinct_from(submitter),
            )
            .group_by(Case.number)
        )
        return {number: at for number, at in rows.all()}
