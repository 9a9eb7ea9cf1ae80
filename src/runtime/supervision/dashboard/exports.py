"""The dashboard's 导出: the region's cases in the period, as CSV or XLSX, through the
export job (`supervision.exports`), with its progress and, once done, the download.

    POST /console/t/{code}/subtree/supervision/exports              start (form, CSRF)
    GET  /console/t/{code}/subtree/supervision/exports/{id}         progress, download link
    GET  /console/t/{code}/subtree/supervision/exports/{id}/download 303 to the signed link

The form posts the region and period the page shows; the export is started by the same
function as `POST /api/v1/t/{code}/subtree/supervision/exports`, in the scope the guard
computed for this `/subtree/` request. The progress page reads the job's status (only
the person who asked sees it: another's, and one that never was, are the 404 page);
without JavaScript it offers a link that reloads it, and htmx, where it is loaded,
swaps the progress in place every second until the job has ended.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect

from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.console import navigation
from yiwang.runtime.console.access import SIGN_IN_FIRST
from yiwang.runtime.jobs.adapters import supervision_export_job_key
from yiwang.runtime.jobs.queue import JobQueue, JobStatus, owner_of
from yiwang.runtime.portal.rendering import render
from yiwang.runtime.supervision.dashboard import alerts as live
from yiwang.runtime.supervision.dashboard.pages import html
from yiwang.runtime.supervision.dashboard.view import RegionPages, base_url
from yiwang.runtime.supervision.exports import FORMATS, ExportDesk, start_export
from yiwang.runtime.supervision.service import SupervisionService

#: starting an export is a posted form: the guard checks its CSRF token
SUPERVISE_FORM: Final = navigation.SUPERVISE.guard(forms=True)
SUPERVISE: Final = navigation.SUPERVISE.guard()
_EXPORT_ID: Final = re.compile(r"^[0-9a-f]{32}$")


def _page(path: str) -> HTTPRouteHandler:
    return get(path, opt=SUPERVISE, exception_handlers=SIGN_IN_FIRST, include_in_schema=False)


def exports_url(code: str) -> str:
    return f"{base_url(code)}/exports"


def _export_id(raw: str) -> str:
    if not _EXPORT_ID.match(raw):
        raise NotFoundException()
    return raw


async def _own(jobs: JobQueue, access: Access, export_id: str) -> JobStatus:
    """The person's own export job; another's, and one that never was, are the same 404."""
    found = await jobs.status(supervision_export_job_key(export_id))
    if found is None or found.owner != owner_of(access.principal.account_id):
        raise NotFoundException()
    return found


def progress(status: JobStatus) -> dict[str, Any]:
    """What the progress part shows: the state, rows done of all, whether to look again,
    and the outcome once it has ended."""
    detail: Mapping[str, Any] = status.detail or {}
    done, total = detail.get("done"), detail.get("total")
    counted = isinstance(done, int) and isinstance(total, int) and total > 0
    result = status.result or {}
    return {
        "state": status.state,
        "label": translate(f"jobs.state.{status.state}"),
        "finished": status.finished,
        "counted": translate("dashboard.export.counted", done=done, total=total)
        if counted
        else None,
        "percent": round(status.progress * 100),
        "failed": status.state in ("failed", "aborted"),
        "rows": int(result.get("rows", 0)) if status.state == "complete" else None,
    }


@post(
    "/console/t/{code:str}/subtree/supervision/exports",
    opt=SUPERVISE_FORM,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def start(
    request: Request[Any, Any, Any],
    supervision: SupervisionService,
    supervision_exports: ExportDesk,
    access: Access,
    uow: UnitOfWork,
    code: str,
) -> Redirect:
    """Export the cases of the region and period the dashboard shows (a region outside
    the scope is the 404 page; a bad period sends the browser back to the page, which
    shows it)."""
    posted = (await request.form()).dict()

    def value(name: str) -> str:
        found = posted.get(name) or [""]
        return str(found[0])[:64]

    fmt = value("format") or "xlsx"
    if fmt not in FORMATS:
        raise NotFoundException()
    pages = RegionPages(supervision, supervision.tree.node(code))
    node = pages.region(value("region") or None, pages.scope_codes())
    period = value("period")
    params: dict[str, list[str]] = {
        **live.region_filter(pages.tree, node, pages.caller),
        "format": [fmt],
    }
    if period:
        params["period"] = [period]
    try:
        export_id, _job = start_export(
            supervision_exports,
            uow,
            params,
            scope=access.scope,
            requested_by=access.principal.account_id,
        )
    except YiwangError as refused:
        if refused.status == 404:
            raise
        back = {"region": node.code, "period": period}
        return Redirect(f"{base_url(code)}?{urlencode(back)}", status_code=303)
    return Redirect(f"{exports_url(code)}/{export_id}", status_code=303)


@_page("/console/t/{code:str}/subtree/supervision/exports/{supervision_export_id:str}")
async def export_page(
    request: Request[Any, Any, Any],
    supervision: SupervisionService,
    jobs: JobQueue,
    access: Access,
    code: str,
    supervision_export_id: str,
) -> Response[str]:
    """How far the export is; once done, the link that downloads the file."""
    export_id = _export_id(supervision_export_id)
    status = await _own(jobs, access, export_id)
    here = f"{exports_url(code)}/{export_id}"
    shown = {
        "here": here,
        "job": progress(status),
        "download_url": f"{here}/download" if status.state == "complete" else None,
        "back_url": base_url(code),
    }
    if request.headers.get("hx-request") == "true":
        return Response(
            render(request, "dashboard/_export_job.html", **shown),
            media_type="text/html; charset=utf-8",
            headers={"cache-control": "no-store"},
        )
    pages = RegionPages(supervision, supervision.tree.node(code))
    return html(request, pages, "dashboard/export.html", **shown)


@_page("/console/t/{code:str}/subtree/supervision/exports/{supervision_export_id:str}/download")
async def export_download(
    supervision_exports: ExportDesk, access: Access, supervision_export_id: str
) -> Redirect:
    """The finished file of the person's own export, through its short-lived signed link."""
    found = await supervision_exports.finished(
        _export_id(supervision_export_id), requested_by=access.principal.account_id
    )
    if found.tenant_id != access.tenant.id:
        raise NotFoundException()
    return Redirect(supervision_exports.link(found), status_code=303)


ROUTES: Final = (start, export_page, export_download)
