"""开通地区: upload a division file, onboard it in the background, follow its progress.

    GET  /console/t/{code}/admin/onboarding                  the upload form (tenant onboard)
    POST /console/t/{code}/admin/onboarding                  multipart: file, template (forms)
    GET  /console/t/{code}/admin/onboarding/jobs/{job}       the job's progress and result

The file goes, as it came, to the `onboard_divisions` job (SAQ, like the spreadsheet
imports), which runs `Onboarding.onboard(..., within=code)` as the API's onboarding does,
acting as the person who uploaded it. The progress page shows regions done of the file's
total, then the result or the refusal with its line; htmx reloads it while the job runs,
and without JavaScript a link does. Only the person who started a job sees it.
"""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.console.admin.layout import AdminPage, admin_url, need
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.jobs.definitions import ONBOARD_DIVISIONS
from yiwang.runtime.jobs.queue import JobQueue, JobStatus, owner_of

#: a whole country's division file is about 150 KB
MAX_BYTES: Final = 1024 * 1024
#: files under `tenant_templates/` that are not tenant templates
NOT_TEMPLATES: Final = frozenset({"roles"})
#: the job's refusal pointer names its line: `/lines/<n>`
LINE_POINTER: Final = "/lines/"


def templates(settings: Settings) -> list[str]:
    """The tenant templates one may onboard with (`tenant_templates/<name>.yaml`)."""
    root: Path = settings.templates_root
    return sorted(p.stem for p in root.glob("*.yaml") if p.stem not in NOT_TEMPLATES)


def job_url(code: str, job_id: str) -> str:
    return admin_url(code, "onboarding", "jobs", job_id)


def _form_page(
    page: AdminPage,
    settings: Settings,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    chosen: str | None = None,
) -> Response[str]:
    names = templates(settings)
    default = page.access.tenant.template if page.access.tenant.template in names else "standard"
    return page.render(
        "onboarding.html",
        "onboarding",
        status=status,
        templates=names,
        chosen=chosen or default,
        errors=errors or {},
        max_kb=MAX_BYTES // 1024,
        post_url=admin_url(page.code, "onboarding"),
    )


@get("/onboarding", opt=need("onboarding"), include_in_schema=False)
async def onboarding_page(
    request: Request[Any, Any, Any], console: ConsoleParts, access: Access, settings: Settings
) -> Response[str]:
    """The upload form."""
    return _form_page(await AdminPage.of(request, console, access), settings)


async def _upload(value: Any) -> bytes | None:
    if not isinstance(value, UploadFile):
        return None
    return await value.read(MAX_BYTES + 1)


@post("/onboarding", opt=need("onboarding", forms=True), include_in_schema=False)
async def start(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    access: Access,
    settings: Settings,
    uow: UnitOfWork,
    jobs: JobQueue,
) -> Response[Any]:
    """Start onboarding the uploaded file; the browser goes to the job's progress page."""
    page = await AdminPage.of(request, console, access)
    form = await request.form()
    data = await _upload(form.get("divisions"))
    template = form.get("template")
    errors: dict[str, str] = {}
    if not data:
        errors["divisions"] = translate("admin.onboarding.file_missing")
    elif len(data) > MAX_BYTES:
        errors["divisions"] = translate("admin.onboarding.file_too_large", max=MAX_BYTES // 1024)
    if not isinstance(template, str) or template not in templates(settings):
        errors["template"] = translate("admin.onboarding.template_unknown")
    if errors or data is None or not isinstance(template, str):
        chosen = template if isinstance(template, str) else None
        return _form_page(page, settings, status=422, errors=errors, chosen=chosen)
    principal = access.principal
    job_id = jobs.enqueue_after(
        uow,
        ONBOARD_DIVISIONS,
        key=f"{ONBOARD_DIVISIONS.name}:{page.code}:{uuid.uuid4().hex}",
        owner=owner_of(principal.account_id),
        kwargs={
            "code": page.code,
            "tenant_id": page.access.tenant.id,
            "divisions_base64": base64.b64encode(data).decode("ascii"),
            "template": template,
            "login": principal.login,
            "account_id": principal.account_id,
        },
    )
    return Redirect(job_url(page.code, job_id), status_code=303)


def refusals(error: dict[str, Any]) -> list[dict[str, Any]]:
    """Each problem of a refused file with its line (from its pointer), first line first."""
    problems = error.get("errors") or [error]
    shown = []
    for problem in problems:
        pointer = str(problem.get("pointer") or "")
        tail = pointer[len(LINE_POINTER) :] if pointer.startswith(LINE_POINTER) else ""
        line = int(tail) if tail.isdigit() else None
        shown.append({"line": line, "message": str(problem.get("message", ""))})
    return sorted(shown, key=lambda p: (p["line"] is None, p["line"] or 0))


def _outcome(status: JobStatus) -> dict[str, Any]:
    """What the page says about a finished job."""
    result = status.result or {}
    if status.state != "complete":
        return {"failed": translate("admin.job.failed")}
    if result.get("status") == "refused":
        return {"refusals": refusals(dict(result.get("error") or {}))}
    key = "changed" if result.get("changed") else "unchanged"
    return {
        "summary": translate(
            f"admin.job.result.{key}",
            created=result.get("tenants_created", 0),
            unchanged=result.get("tenants_unchanged", 0),
            departments=result.get("departments_created", 0),
            days=result.get("calendar_days_created", 0),
        )
    }


@get("/onboarding/jobs/{job:str}", opt=need("onboarding"), include_in_schema=False)
async def job_page(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    access: Access,
    jobs: JobQueue,
    job: str,
) -> Response[str]:
    """The job's progress (done of total regions) and, once it ends, its result."""
    page = await AdminPage.of(request, console, access)
    prefix = f"{ONBOARD_DIVISIONS.name}:{page.code}:"
    found = await jobs.status(job[:200]) if job.startswith(prefix) else None
    if (
        found is None
        or found.kind != ONBOARD_DIVISIONS.name
        or found.owner != owner_of(access.principal.account_id)
    ):
        raise NotFoundException()
    done, total = found.detail.get("done"), found.detail.get("total")
    progress = (
        translate("admin.job.progress", done=done, total=total)
        if isinstance(done, int) and isinstance(total, int)
        else translate("admin.job.progress_unknown")
    )
    name = found.detail.get("name")
    return page.render(
        "job.html",
        "onboarding",
        state=found.state,
        state_label=translate(f"admin.job.state.{found.state}"),
        finished=found.finished,
        progress=progress,
        done=done if isinstance(done, int) else 0,
        total=total if isinstance(total, int) else 0,
        doing=translate("admin.job.current", name=name) if isinstance(name, str) else "",
        outcome=_outcome(found) if found.finished else {},
        self_url=job_url(page.code, found.id),
        again_url=admin_url(page.code, "onboarding"),
    )


ROUTES: Final = (onboarding_page, start, job_page)
