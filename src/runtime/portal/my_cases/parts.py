"""What every 我的办件 page reads (`CasePages`), who may open them, and how a case is
summed up in a list row and at the top of its own page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from litestar import Request
from litestar.types import ExceptionHandlersMap

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.i18n import translate
from yiwang.policy.guards import Access
from yiwang.runtime.applications.feedback.service import ApplicantFeedback
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.cases.schemas import CaseSummary, CaseView
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.portal import changes
from yiwang.runtime.portal.shell import MY_CASES, SIGN_IN
from yiwang.runtime.portal.viewer import Viewer
from yiwang.runtime.records.service import RecordService
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.routes.engine import ALLOWED
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.runtime.web.sign_in import sign_in_first
from yiwang.tenants.directory import TenantDirectory

READ: Final = {"object": "case", "action": "read"}
#: the person's own account pages (实名认证, 经办人): any signed-in person, about themselves
SIGNED_IN: Final = {"authenticated": True}
SIGNED_IN_FORM: Final = {"authenticated": True, "forms": True}
WRITE_FORM: Final = {"object": "case", "action": "write", "forms": True}
#: the engine's bookkeeping of tasks: the applicant's timeline leaves it out
INTERNAL_EVENTS: Final = frozenset({"task_opened", "task_closed", "task_cancelled"})
#: what `?done=` may say on the case page, after an action
DONE: Final = frozenset({"withdrawn", "resubmitted", "rated", "complaint", "question"})


def region_sign_in(request: Request[Any, Any, Any]) -> str | None:
    """The sign-in page of the region in the path."""
    code = request.path_params.get("code")
    return SIGN_IN.format(code=code) if isinstance(code, str) else None


SIGN_IN_FIRST: Final[ExceptionHandlersMap] = sign_in_first(region_sign_in)


def local_time(at: datetime) -> str:
    return at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def colour_label(colour: str | None) -> str:
    return translate(f"cases.colour.{colour}") if colour else translate("portal.my.no_deadline")


def case_url(code: str, number: str) -> str:
    return f"{MY_CASES.format(code=code)}/{number}"


def can_withdraw(status: str) -> bool:
    """Whether the route's engine admits a withdrawal in this state (the applicant's)."""
    return "withdraw" in ALLOWED.get(status, frozenset())  # type: ignore[call-overload]


def summary(code: str, c: CaseSummary | CaseView, labels: Mapping[str, str]) -> dict[str, Any]:
    """What a list row and a case page show of a case."""
    return {
        "number": c.number,
        "url": case_url(code, c.number),
        "item": labels.get(c.form, c.form),
        "status": translate(f"routes.status.{c.status}"),
        "submitted_at": local_time(c.submitted_at),
        "promised_due": c.promised_due.isoformat() if c.promised_due else "",
        "colour": c.colour,
        "colour_label": colour_label(c.colour),
        "withdrawable": can_withdraw(c.status),
    }


@dataclass(frozen=True)
class CasePages:
    """What every page here reads: the request, the person's cases, the region's model, the
    attachments for a 补正's files, supervision for feedback, and who is looking."""

    request: Request[Any, Any, Any]
    access: Access
    cases: CasesService
    actor: Actor
    metadata: MetadataService
    records: RecordService
    directory: TenantDirectory
    attachments: AttachmentServices
    supervision: SupervisionService
    viewer: Viewer | None

    @property
    def feedback(self) -> ApplicantFeedback:
        return ApplicantFeedback(self.cases, self.supervision, self.actor)

    def seen(self) -> dict[str, int]:
        return changes.parse_seen(self.request.cookies.get(changes.SEEN_COOKIE))

    async def labels(self, code: str) -> dict[str, str]:
        """Each form's label: how a case names what it applies for."""
        model = await self.metadata.effective(code)
        return {key: str(doc.get("label") or key) for key, doc in model.documents.items()}
