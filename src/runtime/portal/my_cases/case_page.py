"""One of the person's own cases: its facts, what changed, its timeline, the open 补正 and
the forms to act on it (rate, complain or ask, withdraw). Anyone else's is not found."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from litestar import Response, get

from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.i18n import translate
from yiwang.runtime.applications.feedback.service import RATEABLE
from yiwang.runtime.attachments.limits import ATTACHMENT_TYPES
from yiwang.runtime.cases.schemas import CaseView
from yiwang.runtime.portal import changes
from yiwang.runtime.portal.my_cases.parts import (
    DONE,
    INTERNAL_EVENTS,
    READ,
    SIGN_IN_FIRST,
    CasePages,
    case_url,
    local_time,
    summary,
)
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.shell import MY_CASES
from yiwang.runtime.supervision.models import FEEDBACK_KINDS

GRADES: Final = (5, 4, 3, 2, 1)
#: steps opening and closing come with the event that moved them: no news of their own
STEP_EVENTS: Final = frozenset({"step_opened", "step_closed", "step_skipped"})


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


async def attachment_fields(pages: CasePages, form: str, code: str) -> list[tuple[str, str, bool]]:
    """The case form's attachment fields: (key, label, several files)."""
    document = await pages.metadata.document(code, form)
    return [
        (key, str(field.get("label") or key), field["type"] == "attachments")
        for key, field in document.get("fields", {}).items()
        if field.get("type") in ATTACHMENT_TYPES
    ]


async def show(
    pages: CasePages,
    code: str,
    number: str,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    """One of the person's own cases in `template` (anyone else's is not found)."""
    request = pages.request
    tenant = region_of(request, code)
    view = await pages.cases.view(code, number, pages.actor, staff=False)
    seen = pages.seen()
    timeline = _timeline(view, seen.get(number))
    supplement = _supplement(view)
    context.setdefault("errors", {})
    context.setdefault("typed", {})
    context.setdefault("done", None)
    response = page(
        request,
        pages.directory,
        tenant,
        template,
        viewer=pages.viewer,
        status=status,
        case=summary(code, view, await pages.labels(code)),
        timeline=timeline,
        news=[
            translate("portal.changes.event", at=e["at"], label=e["label"])
            for e in timeline
            if e["new"]
        ],
        poll_url=f"{case_url(code, number)}?poll=1",
        list_url=MY_CASES.format(code=code),
        supplement=supplement,
        files=await attachment_fields(pages, view.form, code) if supplement else [],
        rateable=view.status in RATEABLE,
        rating=await pages.feedback.rating(code, number),
        grades=[(g, translate(f"portal.grade.{g}")) for g in GRADES],
        kinds=[(k, translate(f"portal.feedback.kind.{k}")) for k in FEEDBACK_KINDS],
        **context,
    )
    if template == "my_case.html" and request.query_params.get("poll") != "1":
        # looking at the page is what makes its changes seen (the poll is not looking)
        response.set_cookie(
            changes.SEEN_COOKIE,
            changes.with_seen(seen, number, datetime.now(CHINA_TIME)),
            path=MY_CASES.format(code=code),
            max_age=changes.SEEN_SECONDS,
            httponly=True,
            samesite="lax",
        )
    return response


@get(
    "/r/{code:str}/my/cases/{number:str}",
    opt=READ,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def my_case(code: str, number: str, case_pages: CasePages) -> Response[str]:
    """One of the person's cases and its progress; another's number is not found."""
    done = case_pages.request.query_params.get("done")
    return await show(case_pages, code, number, "my_case.html", done=done if done in DONE else None)


@get(
    "/r/{code:str}/my/cases/{number:str}/withdraw",
    opt=READ,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def withdraw_page(code: str, number: str, case_pages: CasePages) -> Response[str]:
    """Are you sure? The form that withdraws, where the route still allows it."""
    return await show(case_pages, code, number, "withdraw.html", reason="", errors={})


ROUTES: Final = (my_case, withdraw_page)
