"""The citizen's feedback routes at the HTTP edge."""

from __future__ import annotations

from typing import Literal

import msgspec

#: what the public files: a complaint (投诉) or a question (咨询), as `supervision_complaints.kind`
Kind = Literal["complaint", "question"]


class EvaluationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: 1 非常不满意 .. 5 非常满意
    grade: int
    comment: str = ""


class ComplaintRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    content: str
    #: a complaint (投诉) or a question (咨询)
    kind: Kind = "complaint"


class FeedbackCreated(msgspec.Struct, frozen=True):
    id: int
    number: str
    #: what was filed: an evaluation (好差评), a complaint or a question
    kind: Literal["evaluation", "complaint", "question"]
