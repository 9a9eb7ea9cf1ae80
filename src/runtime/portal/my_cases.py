"""我的办件: the signed-in person's own cases at a region, each case's progress, withdrawal.

    GET  /r/{code}/my/cases                      the cases submitted at this region (case read)
    GET  /r/{code}/my/cases/{number}             one case: facts and timeline (case read)
    GET  /r/{code}/my/cases/{number}/withdraw    the confirmation (case read)
    POST /r/{code}/my/cases/{number}/withdraw    withdraw (case write, forms, CSRF)

One region per page, the region of the path: the guard scopes the request,
and row-level security with it, to that tenant alone, as it does for the
cases API these pages read (`CasesService.mine`, `view`, `act_audited`). A
case is kept by the region whose item it applies for; the page links to the
same list at the levels above, where their items' cases are. Only the
person's own cases are shown (`view(..., staff=False)`): another's number is
the 404 page. An anonymous visitor asking for any of these pages is sent to
the sign-in page with `next` set to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.error_handlers import wants_html, yiwang_error_handler
from yiwang.platform.errors import NotAuthenticated, NotFound, YiwangError
from yiwang.platform.i18n import translate
from yiwang.runtime.cases.refusals import act_audited
from yiwang.runtime.cases.schemas import CaseSummary, CaseView
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.portal.rendering import here, page, region_of
from yiwang.runtime.portal.shell import MY_CASES, sign_in_url
from yiwang.runtime.portal.viewer import VIEWER, Viewer
from yiwang.runtime.routes.actions import Actor, Withdraw
from yiwang.runtime.routes.engine import ALLOWED
from yiwang.tenants.directory import TenantDirectory

READ: Final = {"object": "case", "action": "read"}
WRITE_FORM: Final = {"object": "case", "action": "write", "forms": True}
CHINA: Final = ZoneInfo("Asia/Shanghai")
#: a withdrawal's reason, as long as a page asks for
REASON_MAX: Final = 500
#: the engine's bookkeeping of tasks: the applicant's timeline leaves it out
INTERNAL_EVENTS: Final = frozenset({"task_opened", "task_closed", "task_cancelled"})


def to_sign_in(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
    """A browser asking for a page of its own while signed out goes to sign in first;
    any other caller gets the usual 401."""
    code = request.path_params.get("code")
    if (
        request.method == "GET"
        and isinstance(code, str)
        and wants_html(request.url.path, request.headers.get("accept", ""))
    ):
        return Redirect(sign_in_url(code, here(request)), status_code=303)
    return yiwang_error_handler(request, exc)


SIGN_IN_FIRST: Final[ExceptionHandlersMap] = {NotAuthenticated: to_sign_in}


def local_time(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def colour_label(colour: str | None) -> str:
    return translate(f"cases.colour.{colour}") if colour else translate("portal.my.no_deadline")


def case_url(code: str, number: str) -> str:
    return f"{MY_CASES.format(code=code)}/{number}"


def can_withdraw(status: str) -> bool:
    """Whether the route's engine admits a withdrawal in this state (the applicant's)."""
    return "withdraw" in ALLOWED.get(status, frozenset())  # type: ignore[call-overload]


def _summary(code: str, c: CaseSummary | CaseView, labels: Mapping[str, str]) -> dict[str, Any]:
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


def _timeline(view: CaseView) -> list[dict[str, str]]:
    return [
        {
            "at": local_time(e.at),
            "at_iso": e.at.isoformat(),
            "kind": e.kind,
            "label": translate(f"portal.event.{e.kind}"),
            "comment": e.comment,
        }
        for e in view.timeline
        if e.kind not in INTERNAL_EVENTS
    ]


@dataclass(frozen=True)
class CasePages:
    """What every page here reads: the request, the person's cases and the region's model."""

    request: Request[Any, Any, Any]
    cases: CasesService
    actor: Actor
    metadata: MetadataService
    directory: TenantDirectory
    viewer: Viewer | None

    async def labels(self, code: str) -> dict[str, str]:
        """Each form's label: how a case names what it applies for."""
        model = await self.metadata.effective(code)
        return {key: str(doc.get("label") or key) for key, doc in model.documents.items()}

    async def listing(self, code: str) -> Response[str]:
        tenant = region_of(self.request, code)
        rows = await self.cases.mine(code, self.actor, 200)
        labels = await self.labels(code)
        above = [
            (node.name, MY_CASES.format(code=node.code))
            for node in reversed(self.directory.tree.ancestors(code))
        ]
        return page(
            self.request,
            self.directory,
            tenant,
            "my_cases.html",
            viewer=self.viewer,
            cases=[_summary(code, c, labels) for c in rows],
            above=above,
        )

    async def case(
        self, code: str, number: str, template: str, *, status: int = 200, **context: Any
    ) -> Response[str]:
        """One of the person's own cases in `template` (anyone else's is not found)."""
        tenant = region_of(self.request, code)
        view = await self.cases.view(code, number, self.actor, staff=False)
        return page(
            self.request,
            self.directory,
            tenant,
            template,
            viewer=self.viewer,
            status=status,
            case=_summary(code, view, await self.labels(code)),
            timeline=_timeline(view),
            list_url=MY_CASES.format(code=code),
            **context,
        )

    async def withdraw(self, code: str, number: str) -> Response[Any]:
        region_of(self.request, code)
        form = (await self.request.form()).dict()
        given = form.get("reason")
        reason = (given[0] if isinstance(given, list) and given else given) or ""
        reason = reason.strip() if isinstance(reason, str) else ""
        errors: dict[str, str] = {}
        status = 422
        if len(reason) > REASON_MAX:
            errors["reason"] = translate("portal.my.reason_too_long", max=REASON_MAX)
        else:
            try:
                await act_audited(self.cases, code, number, Withdraw(reason=reason), self.actor)
            except NotFound:
                raise
            except YiwangError as refused:
                errors["form"] = refused.message()
                status = refused.status
            else:
                return Redirect(f"{case_url(code, number)}?done=withdrawn", status_code=303)
        return await self.case(
            code,
            number,
            "withdraw.html",
            status=status,
            reason=reason[: REASON_MAX * 2],
            errors=errors,
        )


async def case_pages(
    request: Request[Any, Any, Any],
    cases: CasesService,
    case_actor: Actor,
    metadata: MetadataService,
    directory: TenantDirectory,
    viewer: Viewer | None,
) -> CasePages:
    return CasePages(request, cases, case_actor, metadata, directory, viewer)


DEPENDENCIES: Final = {**VIEWER, "pages": Provide(case_pages)}


@get(
    "/r/{code:str}/my/cases",
    opt=READ,
    dependencies=DEPENDENCIES,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def my_cases(code: str, pages: CasePages) -> Response[str]:
    """The person's cases at this region, newest first, with state and deadline colour."""
    return await pages.listing(code)


@get(
    "/r/{code:str}/my/cases/{number:str}",
    opt=READ,
    dependencies=DEPENDENCIES,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def my_case(code: str, number: str, pages: CasePages) -> Response[str]:
    """One of the person's cases and its progress; another's number is not found."""
    done = pages.request.query_params.get("done") == "withdrawn"
    return await pages.case(code, number, "my_case.html", withdrawn=done)


@get(
    "/r/{code:str}/my/cases/{number:str}/withdraw",
    opt=READ,
    dependencies=DEPENDENCIES,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def withdraw_page(code: str, number: str, pages: CasePages) -> Response[str]:
    """Are you sure? The form that withdraws, where the route still allows it."""
    return await pages.case(code, number, "withdraw.html", reason="", errors={})


@post(
    "/r/{code:str}/my/cases/{number:str}/withdraw",
    opt=WRITE_FORM,
    dependencies=DEPENDENCIES,
    include_in_schema=False,
)
async def withdraw(code: str, number: str, pages: CasePages) -> Response[Any]:
    """Withdraw through the route engine; a refusal is the confirmation page with its reason."""
    return await pages.withdraw(code, number)


ROUTES: Final = (my_cases, my_case, withdraw_page, withdraw)
