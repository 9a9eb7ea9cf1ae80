"""待办: the signed-in staff member's open tasks at one tenant.

    GET /console/t/{code}/inbox?step=&department=&page=   (case handle)

Soonest due first, 50 a page, each coloured by its warning with the colour's name
beside it; filtered by step and department through a plain GET form. The tasks are
the cases room's inbox (`CasesService.inbox`), the same the JSON API serves; each row
is named by its form's label and its step's label on its own route (`inbox_names`,
built once per version of the effective model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.i18n import translate
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.console.access import HANDLE, SIGN_IN_FIRST, staff_viewer
from yiwang.runtime.console.navigation import INBOX, case_url
from yiwang.runtime.console.shell import console_page
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.routes.actions import Actor

#: tasks on one page of the inbox
PAGE: Final = 50
#: pages one can ask for (the inbox service reads at most 500 tasks past the offset)
MAX_PAGE: Final = 1000


@dataclass(frozen=True)
class InboxNames:
    """How the inbox names what its rows hold, from one version of the effective model."""

    #: each business form's label, by document key
    forms: dict[str, str]
    #: each step's and branch's label, by (document, route, key)
    steps: dict[tuple[str, str, str], str]
    #: the step filter's choices: each key with its labels across the routes
    choices: dict[str, str]

    def step(self, form: str, route: str, task: str, step: str) -> str:
        found = self.steps.get((form, route, task)) or self.steps.get((form, route, step))
        return found or self.choices.get(task) or self.choices.get(step) or task


def _names(model: EffectiveModel) -> InboxNames:
    forms: dict[str, str] = {}
    steps: dict[tuple[str, str, str], str] = {}
    labels: dict[str, list[str]] = {}
    for key, document in model.documents.items():
        forms[key] = str(document.get("label") or key)
        for route_key, route in (document.get("routes") or {}).items():
            for step in route.get("steps") or ():
                for part in (step, *(step.get("branches") or ())):
                    label = str(part.get("label") or part["key"])
                    steps[(key, route_key, str(part["key"]))] = label
                    known = labels.setdefault(str(part["key"]), [])
                    if label not in known:
                        known.append(label)
    return InboxNames(forms, steps, {k: "／".join(v) for k, v in labels.items()})


def inbox_names(model: EffectiveModel) -> InboxNames:
    """The names, built once per model version (the model memoises them): the rows of
    every request then cost a dictionary look-up each, not a walk over the model."""
    return model.memo(("console.inbox_names",), lambda: _names(model))


def page_number(raw: str | None) -> int | None:
    """The page asked for (1 when none); None when it is not a page number."""
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or len(raw) > 6:
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_PAGE else None


def _choice(raw: str | None, known: Mapping[str, str]) -> str | None:
    return raw if raw and raw in known else None


def _query(step: str | None, department: str | None, page: int) -> str:
    given = [(k, v) for k, v in (("step", step), ("department", department)) if v]
    return "?" + urlencode([*given, ("page", str(page))])


@get(
    "/console/t/{code:str}/inbox",
    opt=HANDLE,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def inbox_page(
    code: str,
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    cases: CasesService,
    case_actor: Actor,
    metadata: MetadataService,
) -> Response[str]:
    """The person's open tasks here, soonest due first, filtered and paged."""
    tenant = console.directory.tree.node(code)
    viewer = await staff_viewer(request, console)
    names = inbox_names(await metadata.effective(code))
    departments = {d.key: d.name for d in console.directory.departments_of(code)}
    params = request.query_params
    step = _choice(params.get("step"), names.choices)
    department = _choice(params.get("department"), departments)
    page = page_number(params.get("page"))
    error = "" if page is not None else translate("console.inbox.bad_page", max=MAX_PAGE)
    number = page or 1
    rows = await cases.inbox(
        code,
        case_actor,
        PAGE + 1,
        step=step,
        department=department,
        offset=(number - 1) * PAGE,
    )
    base = INBOX.format(code=code)
    tasks = [
        {
            "number": r.number,
            "url": case_url(code, r.number),
            "item": names.forms.get(r.form, r.form or r.service_item),
            "task": names.step(r.form, r.route, r.task, r.step),
            "status": translate(f"routes.status.{r.status}"),
            "due": r.due_on.isoformat() if r.due_on else "",
            "colour": r.colour or "none",
            "colour_label": r.colour_label or translate("console.inbox.no_due"),
            "department": departments.get(r.department or "", r.department or ""),
        }
        for r in rows[:PAGE]
    ]
    return console_page(
        request,
        console.directory,
        "console/inbox.html",
        tenant=tenant,
        viewer=viewer,
        current="inbox",
        status=422 if error else 200,
        tasks=tasks,
        error=error,
        steps=sorted(names.choices.items(), key=lambda kv: kv[1]),
        departments=sorted(departments.items(), key=lambda kv: kv[1]),
        chosen={"step": step or "", "department": department or ""},
        page=number,
        action=base,
        previous_url=base + _query(step, department, number - 1) if number > 1 else None,
        next_url=base + _query(step, department, number + 1) if len(rows) > PAGE else None,
    )


ROUTES: Final = (inbox_page,)
