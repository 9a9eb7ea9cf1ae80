"""Cases over HTTP: open, read, act, withdraw, resubmit; the inbox; the public route
export and licence verification. Thin: the guard authorised the request, the unit of
work runs in the scope it decided, the service and the engine do the rest.

| route | guard |
| --- | --- |
| `POST /api/v1/t/{code}/cases` | case write (applicants, window clerks) |
| `GET /api/v1/t/{code}/cases` | case read: the caller's own cases |
| `GET /api/v1/t/{code}/cases/{number}` | case read (an applicant sees only their own) |
| `POST /api/v1/t/{code}/cases/{number}/actions` | case handle (engine checks, refusals audited) |
| `POST /api/v1/t/{code}/cases/{number}/withdraw`, `/resubmit` | case write (the applicant only) |
| `GET /api/v1/t/{code}/inbox` | case handle |
| `GET /api/v1/t/{code}/certificates` | case read: the caller's own licences |
| `POST /api/v1/t/{code}/certificates/{identifier}/revoke` | case handle |
| `GET /api/v1/t/{code}/routes/{form}/{route}/bpmn` | public |
| `GET /api/v1/certificates/verify/{identifier}` | public |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Response, get, post

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.errors import InvalidInput, NotFound
from yiwang.policy.guards import Access
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.refusals import act_audited
from yiwang.runtime.cases.schemas import (
    Application,
    CaseSummary,
    CaseView,
    InboxItem,
    Licence,
    OpenedCase,
    ResubmitRequest,
    RevokeCertificateRequest,
    Verification,
    WithdrawRequest,
)
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.routes.actions import Action, Actor, Resubmit, Submit, Withdraw
from yiwang.runtime.routes.bpmn import route_to_bpmn
from yiwang.runtime.routes.spec import effective_route

READ = {"object": "case", "action": "read"}
WRITE = {"object": "case", "action": "write"}
HANDLE = {"object": "case", "action": "handle"}
PUBLIC = {"public": True}
#: documents whose routes are part of a published service's guide (办理流程)
PUBLIC_ROUTE_KINDS = frozenset({"form"})


def _action(data: dict[str, Any]) -> Action:
    try:
        action: Action = msgspec.convert(data, Action)
    except msgspec.ValidationError as exc:
        raise InvalidInput("cases.action_invalid", detail=str(exc)[:200]) from None
    if isinstance(action, Submit | Withdraw | Resubmit):
        # the applicant's own doors: POST /cases, /withdraw, /resubmit
        raise InvalidInput("cases.action_invalid", detail=str(data.get("action"))[:40])
    return action


class CaseController(Controller):
    path = "/api/v1/t/{code:str}/cases"
    tags = ["cases"]  # noqa: RUF012

    @post("", opt=WRITE, status_code=201)
    async def open(
        self, cases: CasesService, case_actor: Actor, code: str, data: Application
    ) -> OpenedCase:
        """Submit an application: the case number, its first state and timeline."""
        return await cases.open(code, data, case_actor)

    @get("", opt=READ)
    async def mine(
        self, cases: CasesService, case_actor: Actor, code: str, limit: int = 100
    ) -> list[CaseSummary]:
        """The caller's own cases at the tenant, newest first (an applicant's list)."""
        return await cases.mine(code, case_actor, limit)

    @get("/{number:str}", opt=READ)
    async def read(
        self, cases: CasesService, case_actor: Actor, access: Access, code: str, number: str
    ) -> CaseView:
        return await cases.view(code, number, case_actor, staff=access.principal.kind == "staff")

    @post("/{number:str}/actions", opt=HANDLE, status_code=200)
    async def act(
        self,
        cases: CasesService,
        case_actor: Actor,
        code: str,
        number: str,
        data: dict[str, Any],
    ) -> OpenedCase:
        """One staff action (`{"action": "approve", "task": ...}`, see the route engine)."""
        return await act_audited(cases, code, number, _action(data), case_actor)

    @post("/{number:str}/withdraw", opt=WRITE, status_code=200)
    async def withdraw(
        self, cases: CasesService, case_actor: Actor, code: str, number: str, data: WithdrawRequest
    ) -> OpenedCase:
        return await act_audited(cases, code, number, Withdraw(reason=data.reason), case_actor)

    @post("/{number:str}/resubmit", opt=WRITE, status_code=200)
    async def resubmit(
        self, cases: CasesService, case_actor: Actor, code: str, number: str, data: ResubmitRequest
    ) -> OpenedCase:
        """Hand in what a 补正 asked for; the clock resumes."""
        result = await act_audited(
            cases,
            code,
            number,
            Resubmit(comment=data.comment, attachments=data.attachments),
            case_actor,
        )
        if data.data is not None:
            await cases.resubmit_data(code, number, data.data)
        return result


class InboxController(Controller):
    path = "/api/v1/t/{code:str}/inbox"
    tags = ["cases"]  # noqa: RUF012

    @get("", opt=HANDLE)
    async def inbox(
        self, cases: CasesService, case_actor: Actor, code: str, limit: int = 100
    ) -> list[InboxItem]:
        """The caller's open tasks, soonest due first, with the warning colour."""
        return await cases.inbox(code, case_actor, limit)


class CertificateAdminController(Controller):
    path = "/api/v1/t/{code:str}/certificates"
    tags = ["cases"]  # noqa: RUF012

    @get("", opt=READ)
    async def mine(
        self, case_certificates: CaseCertificates, case_actor: Actor, code: str, limit: int = 100
    ) -> list[Licence]:
        """The caller's own e-licences: a download link and the address to share."""
        return await case_certificates.mine(code, case_actor.id, min(max(limit, 1), 500))

    @post("/{identifier:str}/revoke", opt=HANDLE, status_code=200)
    async def revoke(
        self,
        case_certificates: CaseCertificates,
        code: str,
        identifier: str,
        data: RevokeCertificateRequest,
    ) -> Verification:
        found = await case_certificates.revoke(code, identifier, data.reason, datetime.now(UTC))
        return Verification(
            found.identifier, found.verdict, found.valid, found.message, found.detail
        )


class PublicCaseController(Controller):
    """What anyone may read: a published service's route, and a licence's verdict."""

    path = "/api/v1"
    tags = ["cases"]  # noqa: RUF012

    @get("/t/{code:str}/routes/{form:str}/{route:str}/bpmn", opt=PUBLIC)
    async def bpmn(
        self, metadata: MetadataService, code: str, form: str, route: str
    ) -> Response[str]:
        """The effective route of a published service's business form as BPMN 2.0 XML
        with its diagram (opens in any BPMN modeler)."""
        model = await metadata.effective(code)
        document = model.documents.get(form)
        if document is None or document.get("kind") not in PUBLIC_ROUTE_KINDS:
            raise NotFound("cases.form_unknown", form=form[:64])
        spec = effective_route(model, form, route)
        return Response(
            model.memo(("bpmn", form, route), lambda: route_to_bpmn(spec)),
            media_type="application/xml; charset=utf-8",
        )

    @get("/certificates/verify/{identifier:str}", opt=PUBLIC)
    async def verify(self, case_certificates: CaseCertificates, identifier: str) -> Verification:
        """Whether a licence is genuine and valid (signature checked with the public key)."""
        found = await case_certificates.verify(identifier, datetime.now(UTC))
        return Verification(
            found.identifier, found.verdict, found.valid, found.message, found.detail
        )


CONTROLLERS = (CaseController, InboxController, CertificateAdminController, PublicCaseController)
