"""The applicant's feedback over HTTP: 好差评 and complaints (or questions) on their own case.

    POST /api/v1/t/{code}/cases/{number}/evaluation   case write: `{"grade": 1..5, "comment"}`
    POST /api/v1/t/{code}/cases/{number}/complaints   case write: `{"content", "kind"}`

Thin: `ApplicantFeedback` reads the case as its applicant (anyone else's is
404), then calls `CaseFeedback` (audited). A rating is accepted once per case,
after it ended; the second is 409.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller, post
from litestar.di import Provide

from yiwang.runtime.applications.feedback.schemas import (
    ComplaintRequest,
    EvaluationRequest,
    FeedbackCreated,
)
from yiwang.runtime.applications.feedback.service import ApplicantFeedback
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.supervision.service import SupervisionService

WRITE: Final = {"object": "case", "action": "write"}


async def applicant_feedback(
    cases: CasesService, case_actor: Actor, supervision: SupervisionService
) -> ApplicantFeedback:
    return ApplicantFeedback(cases, supervision, case_actor)


class CaseFeedbackController(Controller):
    path = "/api/v1/t/{code:str}/cases/{number:str}"
    tags = ["supervision"]  # noqa: RUF012
    dependencies = {"feedback": Provide(applicant_feedback)}  # noqa: RUF012

    @post("/evaluation", opt=WRITE, status_code=201)
    async def evaluate(
        self, feedback: ApplicantFeedback, code: str, number: str, data: EvaluationRequest
    ) -> FeedbackCreated:
        """Rate one's own ended case (好差评), once."""
        return await feedback.evaluate(code, number, data)

    @post("/complaints", opt=WRITE, status_code=201)
    async def complain(
        self, feedback: ApplicantFeedback, code: str, number: str, data: ComplaintRequest
    ) -> FeedbackCreated:
        """A complaint (投诉) or a question (咨询) about one's own case."""
        return await feedback.complain(code, number, data)


CONTROLLERS: Final = (CaseFeedbackController,)
