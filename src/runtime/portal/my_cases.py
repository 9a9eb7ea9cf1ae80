"""我的办件: the signed-in person's own cases at a region, each case's progress, and what
they may do from there: withdraw, answer a 补正, rate (好差评), complain or ask.

    GET  /r/{code}/my/cases                        cases and drafts at this region (case read)
    GET  /r/{code}/my/cases/{number}               one case: facts, changes, timeline, forms
    GET  /r/{code}/my/cases/{number}/withdraw      the confirmation (case read)
    POST /r/{code}/my/cases/{number}/withdraw      withdraw (case write, forms, CSRF)
    POST /r/{code}/my/cases/{number}/resubmit      answer the 补正: comment and new files
    POST /r/{code}/my/cases/{number}/evaluation    好差评, once, after the case ended
    POST /r/{code}/my/cases/{number}/complaints    a complaint or a question (咨询)

One region per page, the region of the path: the guard scopes the request,
and row-level security with it, to that tenant alone, as it does for the
cases API these pages read (`CasesService.mine`, `view`, `act_audited`). A
case is kept by the region whose item it applies for; the page links to the
same list at the levels above, where their items' cases are. Only the
person's own cases are shown (`view(..., staff=False)`): another's number is
the 404 page. An anonymous visitor asking for any of these pages is sent to
the sign-in page with `next` set to it.

Both pages mark what someone else changed since the person last looked
(`changes`); the case page refreshes that part by an htmx poll of itself
(`?poll=1`, which does not count as looking). Every page resolves one
dependency, `case_pages` (`portal.dependencies`), which reads the viewer itself:
several dependencies of one level are resolved in a task group, which costs
more than these pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.error_handlers import wants_html, yiwang_error_handler
from yiwang.platform.errors import NotAuthenticated, NotFound, YiwangError
from yiwang.platform.i18n import translate
from yiwang.policy.guards import Access
from yiwang.runtime.applications.drafts.service import Drafts
from yiwang.runtime.applications.feedback.schemas import ComplaintRequest, EvaluationRequest
from yiwang.runtime.applications.feedback.service import RATEABLE, ApplicantFeedback
from yiwang.runtime.applications.uploads import PageUploads, uploaded_files
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.attachments.limits import ATTACHMENT_TYPES
from yiwang.runtime.cases.refusals import act_audited
from yiwang.runtime.cases.schemas import CaseSummary, CaseView
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.portal import changes
from yiwang.runtime.portal.rendering import here, page, region_of
from yiwang.runtime.portal.shell import MY_CASES, sign_in_url
from yiwang.runtime.portal.viewer import Viewer
from yiwang.runtime.records.service import RecordService
from yiwang.runtime.routes.actions import Actor, Resubmit, Withdraw
from yiwang.runtime.routes.engine import ALLOWED
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.directory import TenantDirectory

READ: Final = {"object": "case", "action": "read"}
WRITE_FORM: Final = {"object": "case", "action": "write", "forms": True}
CHINA: Final = ZoneInfo("Asia/Shanghai")
#: a withdrawal's reason, as long as a page asks for
REASON_MAX: Final = 500
#: a comment, complaint or question typed on the case page
TEXT_MAX: Final = 2000
GRADES: Final = (5, 4, 3, 2, 1)
FEEDBACK_KINDS: Final = ("complaint", "question")
#: the engine's bookkeeping of tasks: the applicant's timeline leaves it out
INTERNAL_EVENTS: Final = frozenset({"task_opened", "task_closed", "task_cancelled"})
#: steps opening and closing come with the event that moved them: no news of their own
STEP_EVENTS: Final = frozenset({"step_opened", "step_closed", "step_skipped"})


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


def _timeline(view: CaseView, since: int | None) -> list[dict[str, Any]]:
    return [
        {
            "at": local_time(e.at),
            "at_iso": e.at.isoformat(),
            "kind": e.kind,
            "label": translate(f"portal.event.{e.kind}"),
            "comment": e.comment,
            "new": e.kind not in STEP_EVENTS
            and changes.is_new(e.at, e.actor, view.submitter, since),
        }
        for e in view.timeline
        if e.kind not in INTERNAL_EVENTS
    ]


def _supplement(view: CaseView) -> dict[str, Any] | None:
    """What the open 补正 asks for: the latest request's list and comment."""
    if view.status != "supplement_requested":
        return None
    for e in reversed(view.timeline):
        if e.kind == "supplement_requested" or e.data.get("missing"):
            return {"missing": list(e.data.get("missing") or []), "comment": e.comment}
    return {"missing": [], "comment": ""}


def _text(form: Mapping[str, Any], name: str) -> str:
    given = form.get(name)
    value = given[0] if isinstance(given, list) and given else given
    return value.strip() if isinstance(value, str) else ""


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

    async def drafts(self, code: str) -> list[dict[str, str]]:
        """The person's drafts at this region, each linking to its application page."""
        saved = await Drafts(self.cases.uow).mine(
            self.access.tenant.id, self.access.principal.account_id
        )
        shown = []
        for draft in saved:
            try:
                item = await self.records.service_item(draft.service_item_id, online=True)
            except NotFound:
                continue  # the item was withdrawn from service since
            shown.append(
                {
                    "name": str(item.values.get("task_name") or draft.service_item_id),
                    "url": f"/r/{code}/services/{draft.service_item_id}/apply",
                    "saved_at": local_time(draft.updated_at),
                }
            )
        return shown

    async def listing(self, code: str) -> Response[str]:
        tenant = region_of(self.request, code)
        rows = await self.cases.mine(code, self.actor, 200)
        labels = await self.labels(code)
        last = await self.feedback.repo.last_changes(tenant.id, self.actor.id)
        fresh = changes.changed(last, self.seen(), (c.number for c in rows))
        above = [
            (node.name, MY_CASES.format(code=node.code))
            for node in reversed(self.directory.tree.ancestors(code))
        ]
        cases = [{**_summary(code, c, labels), "changed": c.number in fresh} for c in rows]
        return page(
            self.request,
            self.directory,
            tenant,
            "my_cases.html",
            viewer=self.viewer,
            cases=cases,
            changed=[
                translate("portal.changes.case", number=c["number"], status=c["status"])
                for c in cases
                if c["changed"]
            ],
            drafts=await self.drafts(code),
            above=above,
            poll_url=f"{MY_CASES.format(code=code)}?poll=1",
        )

    async def attachment_fields(self, form: str, code: str) -> list[tuple[str, str, bool]]:
        """The case form's attachment fields: (key, label, several files)."""
        document = await self.metadata.document(code, form)
        return [
            (key, str(field.get("label") or key), field["type"] == "attachments")
            for key, field in document.get("fields", {}).items()
            if field.get("type") in ATTACHMENT_TYPES
        ]

    async def case(
        self, code: str, number: str, template: str, *, status: int = 200, **context: Any
    ) -> Response[str]:
        """One of the person's own cases in `template` (anyone else's is not found)."""
        tenant = region_of(self.request, code)
        view = await self.cases.view(code, number, self.actor, staff=False)
        seen = self.seen()
        timeline = _timeline(view, seen.get(number))
        supplement = _supplement(view)
        context.setdefault("errors", {})
        context.setdefault("typed", {})
        context.setdefault("done", None)
        response = page(
            self.request,
            self.directory,
            tenant,
            template,
            viewer=self.viewer,
            status=status,
            case=_summary(code, view, await self.labels(code)),
            timeline=timeline,
            news=[
                translate("portal.changes.event", at=e["at"], label=e["label"])
                for e in timeline
                if e["new"]
            ],
            poll_url=f"{case_url(code, number)}?poll=1",
            list_url=MY_CASES.format(code=code),
            supplement=supplement,
            files=await self.attachment_fields(view.form, code) if supplement else [],
            rateable=view.status in RATEABLE,
            rating=await self.feedback.rating(code, number),
            grades=[(g, translate(f"portal.grade.{g}")) for g in GRADES],
            kinds=[(k, translate(f"portal.feedback.kind.{k}")) for k in FEEDBACK_KINDS],
            **context,
        )
        if template == "my_case.html" and self.request.query_params.get("poll") != "1":
            # looking at the page is what makes its changes seen (the poll is not looking)
            response.set_cookie(
                changes.SEEN_COOKIE,
                changes.with_seen(seen, number, datetime.now(CHINA)),
                path=MY_CASES.format(code=code),
                max_age=changes.SEEN_SECONDS,
                httponly=True,
                samesite="lax",
            )
        return response

    async def withdraw(self, code: str, number: str) -> Response[Any]:
        region_of(self.request, code)
        form = (await self.request.form()).dict()
        reason = _text(form, "reason")
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
                return _done(code, number, "withdrawn")
        return await self.case(
            code,
            number,
            "withdraw.html",
            status=status,
            reason=reason[: REASON_MAX * 2],
            errors=errors,
        )

    async def resubmit(self, code: str, number: str) -> Response[Any]:
        """Answer the 补正: each new file stored and verified, then the engine resubmits."""
        region_of(self.request, code)
        view = await self.cases.view(code, number, self.actor, staff=False)
        posted = (await self.request.form()).dict()
        comment = _text(posted, "comment")
        errors: dict[str, str] = {}
        keys: list[str] = []
        if len(comment) > TEXT_MAX:
            errors["comment"] = translate("portal.my.text_too_long", max=TEXT_MAX)
        elif view.status == "supplement_requested":
            uploads = PageUploads(self.attachments, self.attachments.attachments(self.cases.uow))
            for key, _label, several in await self.attachment_fields(view.form, code):
                files = uploaded_files(posted, f"file.{key}")
                for upload in files if several else files[:1]:
                    stored = await uploads.store(self.access, view.form, key, upload, "/" + key)
                    if stored.problem is not None:
                        errors[f"file.{key}"] = stored.problem.message()
                    elif stored.value is not None:
                        keys.append(str(stored.value["key"]))
            if not errors and not keys and not comment:
                errors["comment"] = translate("portal.my.resubmit_empty")
        if not errors:
            try:
                action = Resubmit(comment=comment, attachments=tuple(keys))
                await act_audited(self.cases, code, number, action, self.actor)
            except NotFound:
                raise
            except YiwangError as refused:
                return await self._refused(code, number, refused, {"comment": comment})
            return _done(code, number, "resubmitted")
        return await self.case(
            code, number, "my_case.html", status=422, errors=errors, typed={"comment": comment}
        )

    async def evaluate(self, code: str, number: str) -> Response[Any]:
        region_of(self.request, code)
        posted = (await self.request.form()).dict()
        grade_text, comment = _text(posted, "grade"), _text(posted, "rating_comment")
        typed = {"grade": grade_text, "rating_comment": comment}
        errors: dict[str, str] = {}
        if not grade_text.isdigit() or int(grade_text) not in GRADES:
            errors["grade"] = translate("portal.my.grade_required")
        if len(comment) > TEXT_MAX:
            errors["rating_comment"] = translate("portal.my.text_too_long", max=TEXT_MAX)
        if errors:
            return await self.case(
                code, number, "my_case.html", status=422, errors=errors, typed=typed
            )
        try:
            await self.feedback.evaluate(code, number, EvaluationRequest(int(grade_text), comment))
        except NotFound:
            raise
        except YiwangError as refused:
            return await self._refused(code, number, refused, typed)
        return _done(code, number, "rated")

    async def complain(self, code: str, number: str) -> Response[Any]:
        region_of(self.request, code)
        posted = (await self.request.form()).dict()
        kind, content = _text(posted, "kind"), _text(posted, "content")
        typed = {"kind": kind, "content": content}
        errors: dict[str, str] = {}
        if kind not in FEEDBACK_KINDS:
            errors["kind"] = translate("portal.my.kind_required")
        if not content:
            errors["content"] = translate("portal.my.content_required")
        elif len(content) > TEXT_MAX:
            errors["content"] = translate("portal.my.text_too_long", max=TEXT_MAX)
        if errors:
            return await self.case(
                code, number, "my_case.html", status=422, errors=errors, typed=typed
            )
        request = ComplaintRequest(content, "question" if kind == "question" else "complaint")
        try:
            await self.feedback.complain(code, number, request)
        except NotFound:
            raise
        except YiwangError as refused:
            return await self._refused(code, number, refused, typed)
        return _done(code, number, kind)

    async def _refused(
        self, code: str, number: str, refused: YiwangError, typed: dict[str, str]
    ) -> Response[str]:
        return await self.case(
            code,
            number,
            "my_case.html",
            status=refused.status,
            errors={"form": refused.message()},
            typed=typed,
        )


def _done(code: str, number: str, what: str) -> Response[Any]:
    return Redirect(f"{case_url(code, number)}?done={what}", status_code=303)


#: what `?done=` may say on the case page
DONE: Final = frozenset({"withdrawn", "resubmitted", "rated", "complaint", "question"})


@get("/r/{code:str}/my/cases", opt=READ, exception_handlers=SIGN_IN_FIRST, include_in_schema=False)
async def my_cases(code: str, case_pages: CasePages) -> Response[str]:
    """The person's cases at this region, newest first, with state, deadline colour and
    what changed; their drafts."""
    return await case_pages.listing(code)


@get(
    "/r/{code:str}/my/cases/{number:str}",
    opt=READ,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def my_case(code: str, number: str, case_pages: CasePages) -> Response[str]:
    """One of the person's cases and its progress; another's number is not found."""
    done = case_pages.request.query_params.get("done")
    return await case_pages.case(code, number, "my_case.html", done=done if done in DONE else None)


@get(
    "/r/{code:str}/my/cases/{number:str}/withdraw",
    opt=READ,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def withdraw_page(code: str, number: str, case_pages: CasePages) -> Response[str]:
    """Are you sure? The form that withdraws, where the route still allows it."""
    return await case_pages.case(code, number, "withdraw.html", reason="", errors={})


@post("/r/{code:str}/my/cases/{number:str}/withdraw", opt=WRITE_FORM, include_in_schema=False)
async def withdraw(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """Withdraw through the route engine; a refusal is the confirmation page with its reason."""
    return await case_pages.withdraw(code, number)


@post("/r/{code:str}/my/cases/{number:str}/resubmit", opt=WRITE_FORM, include_in_schema=False)
async def resubmit(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """Answer the 补正 (new files, a comment): the case's clock resumes."""
    return await case_pages.resubmit(code, number)


@post("/r/{code:str}/my/cases/{number:str}/evaluation", opt=WRITE_FORM, include_in_schema=False)
async def evaluate(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """好差评 of an ended case, once."""
    return await case_pages.evaluate(code, number)


@post("/r/{code:str}/my/cases/{number:str}/complaints", opt=WRITE_FORM, include_in_schema=False)
async def complain(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """A complaint (投诉) or a question (咨询) about the case."""
    return await case_pages.complain(code, number)


ROUTES: Final = (my_cases, my_case, withdraw_page, withdraw, resubmit, evaluate, complain)
