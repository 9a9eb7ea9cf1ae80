"""Handling a case: what the staff member needs to decide, and the route's actions.

    GET  /console/t/{code}/cases/{number}           (case handle)
    POST /console/t/{code}/cases/{number}/actions   (case handle, forms, CSRF)

The page shows the form data (labels from the effective model, money in 元, codes
as their labels), the materials previewed in the page, the timeline, the time left
in working days, and one small form per action the engine would accept from this
person now (`offers`); return, transfer and delegation choose their target from a list
(the steps passed, the tenant's departments, the department's colleagues holding the
task's role), and the timeline names who acted (`people`). A posted action goes through
`act_audited`, the JSON API's own door: success redirects back with a flash line; a
refusal (not allowed, a conflict with another approver, separation of duties) is the
page again with its message, nothing changed. Another tenant's case is the 404 page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.china_time import today_in_china
from yiwang.platform.errors import NotFound, YiwangError
from yiwang.platform.i18n import translate
from yiwang.policy.enforcer import user_subject
from yiwang.runtime.attachments.repository import AttachmentRepository
from yiwang.runtime.cases.deadlines import HORIZON_DAYS
from yiwang.runtime.cases.models import Case
from yiwang.runtime.cases.refusals import act_audited
from yiwang.runtime.cases.schemas import CaseView
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.console.access import HANDLE, HANDLE_FORM, SIGN_IN_FIRST, staff_viewer
from yiwang.runtime.console.navigation import INBOX, case_url
from yiwang.runtime.console.offers import offers
from yiwang.runtime.console.people import (
    Colleague,
    DepartmentName,
    accounts_named,
    actor_label,
    colleagues,
)
from yiwang.runtime.console.repository import StaffRepository
from yiwang.runtime.console.shell import console_page
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.console.values import as_verified, form_rows, materials
from yiwang.runtime.portal.my_cases.parts import local_time
from yiwang.runtime.routes.actions import Action, Actor
from yiwang.runtime.routes.engine import ALLOWED
from yiwang.runtime.routes.state import CaseState, state_from_json
from yiwang.runtime.web.posted import posted
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.calendars.workdays import WorkingCalendar

#: how long a typed text may be (comments, reasons, legal basis, each missing item)
TEXT_MAX: Final = 1000
#: the posted fields that become each action's texts
TEXT_FIELDS: Final = (
    "comment",
    "reason",
    "reasons",
    "reject_comment",
    "legal_basis",
    "missing",
    "return_reason",
)
#: the posted fields that name a handover's target, chosen from a list
CHOICE_FIELDS: Final = ("to", "department")
#: the actions a form may post, and the flash line after each
ACTIONS: Final = frozenset(
    {
        "accept",
        "not_accept",
        "request_supplement",
        "approve",
        "reject",
        "decide",
        "complete",
        "return",
        "transfer",
        "delegate",
    }
)


def action_of(form: Mapping[str, str]) -> dict[str, Any] | None:
    """The engine's action for a posted form, as the API's JSON would carry it."""
    name, task = form.get("action", ""), form.get("task") or None
    comment = form.get("comment", "")
    missing = [line.strip() for line in form.get("missing", "").splitlines() if line.strip()]
    bodies: dict[str, dict[str, Any]] = {
        "accept": {"comment": comment},
        "not_accept": {
            "reason": form.get("reason", ""),
            "legal_basis": form.get("legal_basis", ""),
        },
        "request_supplement": {"missing": missing, "comment": comment},
        "approve": {"task": task, "comment": comment},
        "reject": {
            "task": task,
            "comment": form.get("reject_comment", ""),
            "legal_basis": form.get("legal_basis", ""),
            "missing": missing,
        },
        "decide": {
            "task": task,
            "outcome": form.get("outcome", ""),
            "legal_basis": form.get("legal_basis", ""),
            "reasons": form.get("reasons", ""),
        },
        "complete": {"task": task, "comment": comment},
        "return": {
            "task": task,
            "to": form.get("to", ""),
            "comment": form.get("return_reason", ""),
        },
        "transfer": {"task": task, "department": form.get("department", ""), "comment": comment},
        "delegate": {"task": task, "to": form.get("to", ""), "comment": comment},
    }
    if name not in bodies:
        return None
    return {"action": name, **bodies[name]}


def _timeline(view: CaseView, actor: Callable[[str | None], str]) -> list[dict[str, str]]:
    return [
        {
            "at": local_time(e.at),
            "at_iso": e.at.isoformat(),
            "label": translate(f"portal.event.{e.kind}"),
            "actor": actor(e.actor),
            "comment": e.comment,
        }
        for e in view.timeline
        if e.kind not in ("task_opened", "task_closed", "task_cancelled")
    ]


@dataclass(frozen=True)
class Handovers:
    """Whom the case's tasks may be handed to: the tenant's departments (key: name) and
    the colleagues of the person's department, with the roles they hold here."""

    departments: dict[str, str]
    people: list[Colleague]

    def offered(self, form: Mapping[str, str]) -> bool:
        """Whether a posted handover names a department or person of these lists (an
        account id typed into a forged form is not one)."""
        if form.get("action") == "transfer":
            return form.get("department", "") in self.departments
        if form.get("action") == "delegate":
            return any(p.id == form.get("to") for p in self.people)
        return True


def department_names(console: ConsoleParts) -> DepartmentName:
    tree = console.directory.tree

    def name(tenant_id: int | None, key: str) -> str:
        if tenant_id is None or tenant_id not in tree.by_id:
            return key
        found = console.directory.departments_of(tree.node_by_id(tenant_id).code)
        return next((d.name for d in found if d.key == key), key)

    return name


async def handovers(
    console: ConsoleParts, cases: CasesService, code: str, actor: Actor, state: CaseState
) -> Handovers:
    """The lists transfer and delegation choose from; colleagues are read only when the
    case's status lets a task be delegated."""
    tenant = console.directory.tree.node(code)
    departments = {d.key: d.name for d in console.directory.departments_of(code)}
    if "delegate" not in ALLOWED[state.status] or not state.open_tasks:
        return Handovers(departments, [])
    engine = console.policy.holder.engine
    staff = await StaffRepository(cases.uow.session).colleagues(actor.department, tenant.id)
    people = colleagues(
        staff,
        lambda account: engine.roles_at(user_subject(account), tenant.path),
        department_names(console),
    )
    return Handovers(departments, people)


def time_left(
    today: date, due: date | None, stopped_left: int | None, calendar: WorkingCalendar | None
) -> str:
    """The time left before `due` in working days, as a sentence (pure)."""
    if due is None or calendar is None:
        if stopped_left is not None:
            return translate("console.case.clock_stopped", days=stopped_left)
        return translate("console.case.no_clock")
    if due == today:
        return translate("console.case.due_today")
    if due > today:
        return translate("console.case.days_left", days=calendar.working_days_between(today, due))
    return translate("console.case.days_over", days=calendar.working_days_between(due, today))


async def _time_left(cases: CasesService, code: str, case: Case, today: date) -> str:
    """The promised (else statutory) time left; the calendar is read only when it counts."""
    due = case.promised_due or case.statutory_due
    stopped = case.promised_left if case.promised_left is not None else case.statutory_left
    calendar = None
    if due is not None:
        calendar = await Calendars(cases.uow, cases.tree, cache=cases.calendars).working_calendar(
            code, today - timedelta(days=HORIZON_DAYS), today + timedelta(days=HORIZON_DAYS)
        )
    return time_left(today, due, stopped, calendar)


async def case_page(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    cases: CasesService,
    actor: Actor,
    metadata: MetadataService,
    code: str,
    number: str,
    *,
    error: str = "",
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response[str]:
    tenant = console.directory.tree.node(code)
    view = await cases.view(code, number, actor, staff=True)
    case = await cases.repo.get(tenant.id, number)
    if case is None:  # pragma: no cover - view has just found it
        raise NotFound("cases.not_found", number=number[:40])
    now = datetime.now(UTC)
    state = state_from_json(case.state)
    handing = await handovers(console, cases, code, actor, state)
    names = await StaffRepository(cases.uow.session).names(
        accounts_named(e.actor for e in view.timeline)
    )
    departments = department_names(console)
    model = await metadata.effective(code)
    document = model.documents.get(case.form_key) or {}
    attached = [a for e in view.timeline for a in e.attachments]
    spec = cases.specs.for_case(case)
    done = request.query_params.get("done")
    unnamed = translate("console.case.material_name", id="{id}")
    found = materials(code, document, case.form_data, attached, unnamed=unnamed, number=number)
    ids = [m.id for m in found]
    return console_page(
        request,
        console.directory,
        "console/case.html",
        tenant=tenant,
        viewer=await staff_viewer(request, console),
        current="inbox",
        status=status,
        case={
            "number": view.number,
            "item": str(document.get("label") or view.form),
            "status": translate(f"routes.status.{view.status}"),
            "step": "、".join(spec.task(t.task).label for t in view.tasks),
            "submitted_at": local_time(view.submitted_at),
            "promised_due": view.promised_due.isoformat() if view.promised_due else "",
            "statutory_due": view.statutory_due.isoformat() if view.statutory_due else "",
            "colour": view.colour or "none",
            "colour_label": translate(f"cases.colour.{view.colour}") if view.colour else "",
            "time_left": await _time_left(cases, code, case, today_in_china(now)),
        },
        rows=form_rows(document, case.form_data),
        materials=as_verified(
            found, await AttachmentRepository(cases.uow.session).verified(tenant.id, ids), unnamed
        ),
        timeline=_timeline(view, lambda who: actor_label(who, view.submitter, names, departments)),
        offers=offers(
            spec,
            state,
            actor,
            case.form_data,
            now,
            departments=handing.departments,
            people=handing.people,
        ),
        action_url=case_url(code, number) + "/actions",
        inbox_url=INBOX.format(code=code),
        flash=translate(f"console.flash.{done}") if done in ACTIONS else "",
        error=error,
        values=dict(values or {}),
        csrf=request.cookies.get("yiwang_csrf", ""),
    )


@get(
    "/console/t/{code:str}/cases/{number:str}",
    opt=HANDLE,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def handle_page(
    code: str,
    number: str,
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    cases: CasesService,
    case_actor: Actor,
    metadata: MetadataService,
) -> Response[str]:
    """The case, for staff, with the actions the route offers this person now."""
    return await case_page(request, console, cases, case_actor, metadata, code, number)


@post(
    "/console/t/{code:str}/cases/{number:str}/actions",
    opt=HANDLE_FORM,
    include_in_schema=False,
)
async def act(
    code: str,
    number: str,
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    cases: CasesService,
    case_actor: Actor,
    metadata: MetadataService,
) -> Response[Any]:
    """Apply one action; a refusal is the page again with its message, nothing changed."""
    raw = (await request.form()).dict()
    fields = ("action", "task", "outcome", *TEXT_FIELDS, *CHOICE_FIELDS)
    form = {k: posted(raw, k, TEXT_MAX + 1) for k in fields}
    too_long = any(len(form[k]) > TEXT_MAX for k in TEXT_FIELDS)
    body = action_of(form)
    error, status = "", 422
    if too_long:
        error = translate("console.case.too_long", max=TEXT_MAX)
    elif body is None:
        error = translate("console.case.unknown_action")
    elif body["action"] in ("transfer", "delegate") and not await _listed(
        console, cases, code, number, case_actor, form
    ):
        error = translate("console.case.not_listed")
    else:
        try:
            action: Action = msgspec.convert(body, Action)
        except msgspec.ValidationError:
            error = translate("console.case.unknown_action")
        else:
            try:
                # a refusal raised after the engine's writes (the licence at 办结) undoes them:
                # the page answers with the message, so the unit of work would commit
                async with cases.uow.savepoint():
                    await act_audited(cases, code, number, action, case_actor)
            except NotFound:
                raise
            except YiwangError as refused:
                error, status = refused.message(), refused.status
            else:
                return Redirect(f"{case_url(code, number)}?done={body['action']}", status_code=303)
    return await case_page(
        request,
        console,
        cases,
        case_actor,
        metadata,
        code,
        number,
        error=translate("console.case.refused", message=error),
        values=form,
        status=status,
    )


async def _listed(
    console: ConsoleParts,
    cases: CasesService,
    code: str,
    number: str,
    actor: Actor,
    form: Mapping[str, str],
) -> bool:
    case = await cases.repo.get(console.directory.tree.node(code).id, number)
    if case is None:
        raise NotFound("cases.not_found", number=number[:40])
    state = state_from_json(case.state)
    return (await handovers(console, cases, code, actor, state)).offered(form)


ROUTES: Final = (handle_page, act)
