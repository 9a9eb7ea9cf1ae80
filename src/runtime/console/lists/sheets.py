"""Spreadsheets of a maintained list: import an XLSX, export the list, follow either job.

    GET  /console/t/{code}/lists/{type}/import                    the upload form (write)
    POST /console/t/{code}/lists/{type}/import                    upload (write, forms)
    GET  /console/t/{code}/lists/{type}/imports/{id}              progress, result (write)
    POST /console/t/{code}/lists/{type}/export                    export the view (read, forms)
    GET  /console/t/{code}/lists/{type}/exports/{id}              progress, download (read)
    GET  /console/t/{code}/lists/{type}/exports/{id}/download     303 to the file's signed link

The work is the records room's jobs, started through the same functions as
`POST /api/v1/t/{code}/records/{type}/imports` and `.../exports`; a progress page reads
the job's status as `/api/v1/jobs/{id}` does (only the person who asked sees it; any
other job is the 404 page). While the job runs the page offers a link that reloads it,
and htmx, where it is loaded, swaps the progress in place every second until the job
has ended. An import's result lists every refused row with its row number, column and
message, and then nothing was written. Once the retention sweep has deleted the upload
(`imports.sweep`), the page says so: beside an ended import's result, or in its place
for one that never ran (its job would find nothing to import).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.console.lists.page import (
    READ,
    READ_FORM,
    WRITE,
    WRITE_FORM,
    ListPage,
    posted_value,
)
from yiwang.runtime.jobs.adapters import export_job_key
from yiwang.runtime.jobs.exports_imports import import_job_key
from yiwang.runtime.jobs.queue import JobQueue, JobStatus, owner_of
from yiwang.runtime.lists.export import FORMATS, ExportDesk, start_export
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.portal.rendering import render
from yiwang.runtime.records.imports import IMPORT_LIMITS, ImportDesk, import_fields, start_import
from yiwang.runtime.records.service import Viewer

#: the workbook and the form around it (the token, the field's headers)
UPLOAD_MAX: Final = IMPORT_LIMITS.max_file_bytes + 64 * 1024
_JOB_ID: Final = re.compile(r"^[0-9a-f]{32}$")
#: refused rows an import's result lists (the job keeps at most 500)
SHOWN_PROBLEMS: Final = 500


async def _own(jobs: JobQueue, access: Access, key: str) -> JobStatus:
    """The person's own job; another's, and one that never was, are the same 404."""
    found = await jobs.status(key)
    if found is None or found.owner != owner_of(access.principal.account_id):
        raise NotFoundException()
    return found


def _job_id(raw: str) -> str:
    if not _JOB_ID.match(raw):
        raise NotFoundException()
    return raw


def progress(status: JobStatus) -> dict[str, Any]:
    """What the progress part shows of a job: its state, rows done of all, and whether to
    look again."""
    detail: Mapping[str, Any] = status.detail or {}
    done, total = detail.get("done"), detail.get("total")
    counted = isinstance(done, int) and isinstance(total, int) and total > 0
    return {
        "state": status.state,
        "label": translate(f"jobs.state.{status.state}"),
        "finished": status.finished,
        "counted": translate("console_lists.job.counted", done=done, total=total)
        if counted
        else None,
        "percent": round(status.progress * 100),
    }


def import_result(status: JobStatus) -> dict[str, Any] | None:
    """An ended import's result: what was made, or every refusal with row and column."""
    if status.state == "failed" or status.state == "aborted":
        return {"status": "failed", "message": translate("jobs.failed")}
    result = status.result
    if status.state != "complete" or result is None:
        return None
    if result.get("status") == "gone":
        return {"status": "gone", "message": translate("console_lists.import.gone")}
    if result.get("status") == "imported":
        return {"status": "imported", "imported": int(result.get("imported", 0))}
    if result.get("status") == "rejected":
        error = result.get("error") or {}
        return {"status": "rejected", "message": str(error.get("message", ""))}
    problems = [
        {
            "row": p.get("row", ""),
            "column": " ".join(str(p[k]) for k in ("column", "header") if p.get(k)),
            "message": str(p.get("message", "")),
        }
        for p in (result.get("errors") or [])[:SHOWN_PROBLEMS]
    ]
    return {
        "status": "invalid",
        "count": int(result.get("count", len(problems))),
        "problems": problems,
    }


async def _job_page(
    page: ListPage,
    status: JobStatus,
    *,
    here: str,
    what: str,
    ended: bool = False,
    file_gone: bool = False,
    **context: Any,
) -> Response[str]:
    """The job's page (or, for htmx, its part); `ended` shows it as ended whatever its
    state (an import whose upload is gone: it will import nothing), `file_gone` that
    the ended import's upload has been swept."""
    kind = page.kind
    job = progress(status)
    shown = {
        "kind": kind,
        "what": what,
        "here": here,
        "file_gone": file_gone,
        "job": {**job, "finished": True} if ended else job,
        "list_url": page.url(),
        **context,
    }
    if page.request.headers.get("hx-request") == "true":
        body = render(page.request, "console_lists/_job.html", **shown)
        return Response(
            body, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"}
        )
    return await page.render("job.html", **shown)


async def _upload_page(
    page: ListPage,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response[str]:
    columns = [f.label for f in import_fields(page.document)]
    return await page.render(
        "import.html",
        status=status,
        kind=page.kind,
        columns=columns,
        error=error,
        action=page.url("import"),
        limit=IMPORT_LIMITS.max_file_bytes // (1024 * 1024),
        list_url=page.url(),
    )


@get("/{type_key:str}/import", opt=WRITE, include_in_schema=False)
async def import_page(page: ListPage) -> Response[str]:
    """The upload form, with the columns a sheet of this type may hold."""
    return await _upload_page(page)


@post(
    "/{type_key:str}/import",
    opt=WRITE_FORM,
    include_in_schema=False,
    request_max_body_size=UPLOAD_MAX,
)
async def upload(
    page: ListPage,
    imports: ImportDesk,
    viewer: Viewer,
    access: Access,
    uow: UnitOfWork,
) -> Response[Any]:
    """Keep the workbook and start its import; a file that is no sound workbook is refused
    here, on the form, before any job."""
    posted = await page.request.form()
    chosen = posted.get("file")
    data = await chosen.read() if isinstance(chosen, UploadFile) else b""
    if not data:
        return await _upload_page(page, error=translate("console_lists.import.no_file"), status=422)
    try:
        import_id, _job = await start_import(
            page.records,
            imports,
            uow,
            page.kind.key,
            data,
            viewer=viewer,
            tenant_id=access.tenant.id,
            login=access.principal.login,
            account_id=access.principal.account_id,
        )
    except YiwangError as refused:
        if refused.status == 404:
            raise
        return await _upload_page(page, error=refused.message(), status=422)
    return Redirect(page.url("imports", import_id), status_code=303)


@get("/{type_key:str}/imports/{import_id:str}", opt=WRITE, include_in_schema=False)
async def import_progress(
    page: ListPage,
    jobs: JobQueue,
    imports: ImportDesk,
    access: Access,
    import_id: str,
) -> Response[str]:
    """How far the import is; once it has ended, what it made or every refused row; once
    its upload has been swept, that the file is gone."""
    status = await _own(jobs, access, import_job_key(_job_id(import_id)))
    result = import_result(status)
    kept = status.state == "active" or await imports.upload_kept(access.tenant.id, import_id)
    if not kept and result is None:  # never ran, and now never will import anything
        result = {"status": "gone", "message": translate("console_lists.import.gone")}
    gone = result is not None and result["status"] == "gone"
    return await _job_page(
        page,
        status,
        here=page.url("imports", import_id),
        what="import",
        ended=gone,
        result=result,
        file_gone=not kept and not gone,
        download_url=None,
        again_url=page.url("import"),
    )


@post("/{type_key:str}/export", opt=READ_FORM, include_in_schema=False)
async def export(
    page: ListPage,
    lists: ListService,
    exports: ExportDesk,
    viewer: Viewer,
    access: Access,
    uow: UnitOfWork,
) -> Response[Any]:
    """Export the whole view with the filters and search the list page showed."""
    kind = page.kind
    posted = await page.posted()
    _filters, params = page.view_query(posted)
    params.pop("cursor", None)
    fmt = posted_value(posted, "format", "xlsx")
    if fmt not in FORMATS:
        raise NotFoundException()
    try:
        export_id, _job = await start_export(
            lists,
            exports,
            uow,
            kind.key,
            {**params, "view": [kind.view]},
            fmt,
            viewer=viewer,
            tenant_id=access.tenant.id,
            requested_by=access.principal.account_id,
        )
    except YiwangError as refused:
        if refused.status == 404:
            raise
        # the list page shows the same query's refusal at its filters
        shown = urlencode([(k, v[0]) for k, v in params.items()])
        return Redirect(page.url() + f"?{shown}", status_code=303)
    return Redirect(page.url("exports", export_id), status_code=303)


@get("/{type_key:str}/exports/{export_id:str}", opt=READ, include_in_schema=False)
async def export_progress(
    page: ListPage,
    jobs: JobQueue,
    access: Access,
    export_id: str,
) -> Response[str]:
    """How far the export is; once done, the link that downloads the file."""
    status = await _own(jobs, access, export_job_key(_job_id(export_id)))
    result = status.result or {}
    done = status.state == "complete"
    return await _job_page(
        page,
        status,
        here=page.url("exports", export_id),
        what="export",
        result={"status": "failed", "message": translate("jobs.failed")}
        if status.state in ("failed", "aborted")
        else ({"status": "exported", "rows": int(result.get("rows", 0))} if done else None),
        download_url=page.url("exports", export_id, "download") if done else None,
        again_url=None,
    )


@get("/{type_key:str}/exports/{export_id:str}/download", opt=READ, include_in_schema=False)
async def download(
    page: ListPage,
    exports: ExportDesk,
    access: Access,
    export_id: str,
) -> Response[Any]:
    """The finished file of the person's own export, through its short-lived signed link."""
    found = await exports.finished(_job_id(export_id), requested_by=access.principal.account_id)
    if found.tenant_id != access.tenant.id or found.type_key != page.kind.key:
        raise NotFoundException()
    return Redirect(exports.link(found), status_code=303)


ROUTES: Final = (
    import_page,
    upload,
    import_progress,
    export,
    export_progress,
    download,
)
