"""The applicant's own doors to supervision: rate, complain, ask.

Each first reads the case as its applicant (`CasesService.view(staff=False)`):
anyone else's number is the same 404 as a number that does not exist. A rating
needs a case that has ended (`RATEABLE`) and is refused the second time, by the
unique index `ux_supervision_evaluations_case` (migration `0017_drafts`), so two
concurrent ratings cannot both land.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.exc import IntegrityError

from yiwang.runtime.applications.errors import CaseNotEnded, RatedTwice
from yiwang.runtime.applications.feedback.repository import FeedbackRepository
from yiwang.runtime.applications.feedback.schemas import (
    ComplaintRequest,
    EvaluationRequest,
    FeedbackCreated,
)
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.supervision.service import SupervisionService

#: the states in which the service has ended for the applicant (办结, 不予受理)
RATEABLE: Final = frozenset({"completed", "not_accepted"})


class ApplicantFeedback:
    def __init__(self, cases: CasesService, supervision: SupervisionService, actor: Actor) -> None:
        self.cases = cases
        self.supervision = supervision
        self.actor = actor
        self.repo = FeedbackRepository(cases.uow.session)

    async def rating(self, code: str, number: str) -> int | None:
        return await self.repo.rating(self.cases.tree.node(code).id, number)

    async def evaluate(self, code: str, number: str, data: EvaluationRequest) -> FeedbackCreated:
        view = await self.cases.view(code, number, self.actor, staff=False)
        if view.status not in RATEABLE:
            raise CaseNotEnded("applications.feedback.not_ended")
        try:
            async with self.cases.uow.savepoint():
                new_id = await self.supervision.evaluate(code, number, data.grade, data.comment)
        except IntegrityError:
            raise RatedTwice("applications.feedback.rated_twice", number=number) from None
        return FeedbackCreated(new_id, number, "evaluation")

    async def complain(self, code: str, number: str, data: ComplaintRequest) -> FeedbackCreated:
        await self.cases.view(code, number, self.actor, staff=False)
        new_id = await self.supervision.complain(
            code, data.content.strip(), number=number, kind=data.kind
        )
        return FeedbackCreated(new_id, number, data.kind)
