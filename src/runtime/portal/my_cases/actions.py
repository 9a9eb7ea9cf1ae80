"""What the person does on their own case, each a form posted from its page: withdraw,
answer the 补正 with new files, rate it (好差评), complain or ask. A refusal or a
mistake draws the page again with the error beside its field and the text as typed;
success goes back to the case page (`?done=`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from litestar import Response, post
from litestar.response import Redirect

from yiwang.platform.errors import NotFound, YiwangError
from yiwang.platform.i18n import translate
from yiwang.runtime.applications.feedback.schemas import ComplaintRequest, EvaluationRequest
from yiwang.runtime.applications.uploads import PageUploads, uploaded_files
from yiwang.runtime.cases.refusals import act_audited
from yiwang.runtime.portal.my_cases.case_page import GRADES, attachment_fields, show
from yiwang.runtime.portal.my_cases.parts import WRITE_FORM, CasePages, case_url
from yiwang.runtime.portal.rendering import region_of
from yiwang.runtime.routes.actions import Resubmit, Withdraw
from yiwang.runtime.supervision.models import FEEDBACK_KINDS

#: a withdrawal's reason, as long as a page asks for
REASON_MAX: Final = 500
#: a comment, complaint or question typed on the case page
TEXT_MAX: Final = 2000


def _text(form: Mapping[str, Any], name: str) -> str:
    given = form.get(name)
    value = given[0] if isinstance(given, list) and given else given
    return value.strip() if isinstance(value, str) else ""


def _done(code: str, number: str, what: str) -> Response[Any]:
    return Redirect(f"{case_url(code, number)}?done={what}", status_code=303)


async def _refused(
    pages: CasePages, code: str, number: str, refused: YiwangError, typed: dict[str, str]
) -> Response[str]:
    return await show(
        pages,
        code,
        number,
        "my_case.html",
        status=refused.status,
        errors={"form": refused.message()},
        typed=typed,
    )


async def withdraw_case(pages: CasePages, code: str, number: str) -> Response[Any]:
    region_of(pages.request, code)
    form = (await pages.request.form()).dict()
    reason = _text(form, "reason")
    errors: dict[str, str] = {}
    status = 422
    if len(reason) > REASON_MAX:
        errors["reason"] = translate("portal.my.reason_too_long", max=REASON_MAX)
    else:
        try:
            await act_audited(pages.cases, code, number, Withdraw(reason=reason), pages.actor)
        except NotFound:
            raise
        except YiwangError as refused:
            errors["form"] = refused.message()
            status = refused.status
        else:
            return _done(code, number, "withdrawn")
    return await show(
        pages,
        code,
        number,
        "withdraw.html",
        status=status,
        reason=reason[: REASON_MAX * 2],
        errors=errors,
    )


async def resubmit_case(pages: CasePages, code: str, number: str) -> Response[Any]:
    """Answer the 补正: each new file stored and verified, then the engine resubmits."""
    region_of(pages.request, code)
    view = await pages.cases.view(code, number, pages.actor, staff=False)
    posted = (await pages.request.form()).dict()
    comment = _text(posted, "comment")
    errors: dict[str, str] = {}
    keys: list[str] = []
    if len(comment) > TEXT_MAX:
        errors["comment"] = translate("portal.my.text_too_long", max=TEXT_MAX)
    elif view.status == "supplement_requested":
        uploads = PageUploads(pages.attachments, pages.attachments.attachments(pages.cases.uow))
        for key, _label, several in await attachment_fields(pages, view.form, code):
            files = uploaded_files(posted, f"file.{key}")
            for upload in files if several else files[:1]:
                stored = await uploads.store(pages.access, view.form, key, upload, "/" + key)
                if stored.problem is not None:
                    errors[f"file.{key}"] = stored.problem.message()
                elif stored.value is not None:
                    keys.append(str(stored.value["key"]))
        if not errors and not keys and not comment:
            errors["comment"] = translate("portal.my.resubmit_empty")
    if not errors:
        try:
            action = Resubmit(comment=comment, attachments=tuple(keys))
            await act_audited(pages.cases, code, number, action, pages.actor)
        except NotFound:
            raise
        except YiwangError as refused:
            return await _refused(pages, code, number, refused, {"comment": comment})
        return _done(code, number, "resubmitted")
    return await show(
        pages, code, number, "my_case.html", status=422, errors=errors, typed={"comment": comment}
    )


async def evaluate_case(pages: CasePages, code: str, number: str) -> Response[Any]:
    region_of(pages.request, code)
    posted = (await pages.request.form()).dict()
    grade_text, comment = _text(posted, "grade"), _text(posted, "rating_comment")
    typed = {"grade": grade_text, "rating_comment": comment}
    errors: dict[str, str] = {}
    if not grade_text.isdigit() or int(grade_text) not in GRADES:
        errors["grade"] = translate("portal.my.grade_required")
    if len(comment) > TEXT_MAX:
        errors["rating_comment"] = translate("portal.my.text_too_long", max=TEXT_MAX)
    if errors:
        return await show(
            pages, code, number, "my_case.html", status=422, errors=errors, typed=typed
        )
    try:
        await pages.feedback.evaluate(code, number, EvaluationRequest(int(grade_text), comment))
    except NotFound:
        raise
    except YiwangError as refused:
        return await _refused(pages, code, number, refused, typed)
    return _done(code, number, "rated")


async def complain_about_case(pages: CasePages, code: str, number: str) -> Response[Any]:
    region_of(pages.request, code)
    posted = (await pages.request.form()).dict()
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
        return await show(
            pages, code, number, "my_case.html", status=422, errors=errors, typed=typed
        )
    request = ComplaintRequest(content, "question" if kind == "question" else "complaint")
    try:
        await pages.feedback.complain(code, number, request)
    except NotFound:
        raise
    except YiwangError as refused:
        return await _refused(pages, code, number, refused, typed)
    return _done(code, number, kind)


@post("/r/{code:str}/my/cases/{number:str}/withdraw", opt=WRITE_FORM, include_in_schema=False)
async def withdraw(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """Withdraw through the route engine; a refusal is the confirmation page with its reason."""
    return await withdraw_case(case_pages, code, number)


@post("/r/{code:str}/my/cases/{number:str}/resubmit", opt=WRITE_FORM, include_in_schema=False)
async def resubmit(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """Answer the 补正 (new files, a comment): the case's clock resumes."""
    return await resubmit_case(case_pages, code, number)


@post("/r/{code:str}/my/cases/{number:str}/evaluation", opt=WRITE_FORM, include_in_schema=False)
async def evaluate(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """好差评 of an ended case, once."""
    return await evaluate_case(case_pages, code, number)


@post("/r/{code:str}/my/cases/{number:str}/complaints", opt=WRITE_FORM, include_in_schema=False)
async def complain(code: str, number: str, case_pages: CasePages) -> Response[Any]:
    """A complaint (投诉) or a question (咨询) about the case."""
    return await complain_about_case(case_pages, code, number)


ROUTES: Final = (withdraw, resubmit, evaluate, complain)
