"""Records API: a tenant's records of any item type, their history, and applications.

    GET    /api/v1/t/{code}/records/{type}                 a page of a list view
    POST   /api/v1/t/{code}/records/{type}                 create (Idempotency-Key)
    GET    /api/v1/t/{code}/records/{type}/{id}            read (?personal=full, audited)
    PUT    /api/v1/t/{code}/records/{type}/{id}            update (If-Match)
    DELETE /api/v1/t/{code}/records/{type}/{id}            soft delete (If-Match)
    POST   /api/v1/t/{code}/records/{type}/{id}/restore    undo a soft delete (If-Match)
    GET    /api/v1/t/{code}/records/{type}/{id}/history    who changed what, when
    GET    /api/v1/t/{code}/subtree/records/{type}         a page across the subtree
    GET    /api/v1/t/{code}/public/records/{type}          a published public list (no sign-in)
    POST   /api/v1/t/{code}/records/{type}/exports         export a whole view (a job; 202)
    GET    /api/v1/t/{code}/records/{type}/exports/{id}    its download link, once finished
    POST   /api/v1/t/{code}/records/{type}/imports         import an XLSX (a job; 202)

Applying for a service item (`POST /api/v1/t/{code}/services/{id}/applications`)
is the applications room's: the record and its case together.
Handlers are thin: the guard decided the tenant, scope and department; the
services do the work in the request's unit of work.
"""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put

from yiwang.platform.edge.openapi import precondition_required
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.lists.errors import ExportFormatInvalid, ExportNotFound
from yiwang.runtime.lists.export import FORMATS, ExportDesk, start_export
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.errors import (
    BodyInvalid,
    IdempotencyKeyRequired,
    PersonalDataForbidden,
    VersionRequired,
)
from yiwang.runtime.records.imports import IMPORT_LIMITS, XLSX_TYPE, ImportDesk, start_import
from yiwang.runtime.records.service import Created, RecordService, RecordView, Viewer

READ: Final = {"object": "record", "action": "read"}
WRITE: Final = {"object": "record", "action": "write"}
DELETE: Final = {"object": "record", "action": "delete"}
#: published lists: public routes; the handler serves public views of published types only
PUBLIC_LIST: Final = {"public": True}

_BODY_KEYS: Final = frozenset({"data", "form"})
_IF_MATCH = re.compile(r'^(?:W/)?"([1-9][0-9]{0,9})"$')
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


async def read_body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    raw = await request.body()
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise BodyInvalid("records.body_invalid", pointer="", detail=str(exc)[:80]) from None
    if not isinstance(value, dict):
        raise BodyInvalid("records.body_invalid", pointer="", detail="顶层应为对象")
    for key in value:
        if key not in _BODY_KEYS:
            raise BodyInvalid(
                "records.body_invalid", pointer=f"/{str(key)[:64]}", detail="只能包含 data 和 form"
            )
    return value


def idempotency_key(request: Request[Any, Any, Any]) -> str:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise IdempotencyKeyRequired("records.idempotency_key_required")
    if not _KEY.match(key):
        raise BodyInvalid("records.idempotency_key_invalid", pointer="/headers/idempotency-key")
    return key


def _expected_version(request: Request[Any, Any, Any]) -> int:
    header = request.headers.get("if-match")
    if header is None:
        raise VersionRequired("records.version_required")
    found = _IF_MATCH.match(header.strip())
    if found is None:
        raise BodyInvalid("records.version_invalid", pointer="/headers/if-match", value=header[:20])
    return int(found.group(1))


def _personal(viewer: Viewer, personal: str) -> Viewer:
    """The viewer a read runs as: personal data in full only when asked and allowed."""
    if personal not in ("masked", "full"):
        raise BodyInvalid("records.body_invalid", pointer="/personal", detail="masked 或 full")
    if personal == "full" and not viewer.sees_pii:
        raise PersonalDataForbidden("records.pii_forbidden", pointer="/personal")
    return Viewer(viewer.restricted, viewer.department, sees_pii=personal == "full")


def _record(view: RecordView, status_code: int = 200) -> Response[dict[str, Any]]:
    return Response(view.as_dict(), status_code=status_code, headers={"etag": view.etag})


def created_response(created: Created) -> Response[dict[str, Any]]:
    body = created.body
    location = f"/api/v1/t/{body['tenant']}/records/{body['type']}/{created.id}"
    headers = {"etag": created.etag, "location": location}
    if created.replayed:
        headers["idempotent-replayed"] = "true"
    return Response(created.body, status_code=created.status_code, headers=headers)


def _params(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    query = request.query_params
    return {key: list(query.getall(key)) for key in query}


class RecordController(Controller):
    """A tenant's records of one item type."""

    path = "/api/v1/t/{code:str}/records/{type_key:str}"
    tags = ["records"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/", opt=READ)
    async def page(
        self, lists: ListService, viewer: Viewer, request: Request[Any, Any, Any], type_key: str
    ) -> dict[str, Any]:
        """A page of a list view: `view`, `filter.FIELD[.OP]`, `sort`, `limit`, `cursor`."""
        return (await lists.page(type_key, _params(request), viewer=viewer)).as_dict()

    @post("/", opt=WRITE, responses=precondition_required("Idempotency-Key"))
    async def create(
        self,
        records: RecordService,
        viewer: Viewer,
        request: Request[Any, Any, Any],
        type_key: str,
    ) -> Response[dict[str, Any]]:
        key = idempotency_key(request)
        body = await read_body(request)
        created = await records.create(
            type_key,
            body.get("data"),
            form=body.get("form"),
            idempotency_key=key,
            viewer=Viewer(viewer.restricted, viewer.department),
        )
        return created_response(created)

    @get("/{record_id:int}", opt=READ)
    async def read(
        self,
        records: RecordService,
        viewer: Viewer,
        type_key: str,
        record_id: int,
        personal: str = "masked",
    ) -> Response[dict[str, Any]]:
        view = await records.get(type_key, record_id, viewer=_personal(viewer, personal))
        return _record(view)

    @put("/{record_id:int}", opt=WRITE, responses=precondition_required("If-Match"))
    async def update(
        self,
        records: RecordService,
        viewer: Viewer,
        request: Request[Any, Any, Any],
        type_key: str,
        record_id: int,
    ) -> Response[dict[str, Any]]:
        expected = _expected_version(request)
        body = await read_body(request)
        view = await records.update(
            type_key,
            record_id,
            body.get("data", {}),
            expected_version=expected,
            form=body.get("form"),
            viewer=Viewer(viewer.restricted, viewer.department),
        )
        return _record(view)

    @delete(
        "/{record_id:int}",
        opt=DELETE,
        status_code=200,
        responses=precondition_required("If-Match"),
    )
    async def remove(
        self,
        records: RecordService,
        viewer: Viewer,
        request: Request[Any, Any, Any],
        type_key: str,
        record_id: int,
    ) -> Response[dict[str, Any]]:
        view = await records.delete(
            type_key,
            record_id,
            expected_version=_expected_version(request),
            viewer=Viewer(viewer.restricted, viewer.department),
        )
        return _record(view)

    @post(
        "/{record_id:int}/restore",
        opt=DELETE,
        status_code=200,
        responses=precondition_required("If-Match"),
    )
    async def restore(
        self,
        records: RecordService,
        viewer: Viewer,
        request: Request[Any, Any, Any],
        type_key: str,
        record_id: int,
    ) -> Response[dict[str, Any]]:
        view = await records.restore(
            type_key,
            record_id,
            expected_version=_expected_version(request),
            viewer=Viewer(viewer.restricted, viewer.department),
        )
        return _record(view)

    @get("/{record_id:int}/history", opt=READ)
    async def history(
        self, records: RecordService, viewer: Viewer, type_key: str, record_id: int
    ) -> list[dict[str, Any]]:
        entries = await records.history(
            type_key, record_id, viewer=Viewer(viewer.restricted, viewer.department)
        )
        return [e.as_dict() for e in entries]


class PublicListController(Controller):
    """Published lists (办事指南, 权力清单 ...), read without sign-in.

    Public by declaration, and only for what the metadata publishes: a view with
    `audience: public` of an item type with `publication.public` (the default
    view is `publication.list`); every other view answers 404 here, and the
    records route above keeps answering 401/403 for it.
    """

    path = "/api/v1/t/{code:str}/public/records/{type_key:str}"
    tags = ["records"]  # noqa: RUF012

    @get("/", opt=PUBLIC_LIST)
    async def page(
        self, lists: ListService, request: Request[Any, Any, Any], code: str, type_key: str
    ) -> dict[str, Any]:
        """A page of a public list view: `view`, `filter.FIELD[.OP]`, `sort`, `limit`,
        `cursor`, `q`; personal data always masked."""
        return (await lists.public_page(code, type_key, _params(request))).as_dict()


class SubtreeRecordController(Controller):
    """A list view across every tenant below `code` the caller may read."""

    path = "/api/v1/t/{code:str}/subtree/records/{type_key:str}"
    tags = ["records"]  # noqa: RUF012

    @get("/", opt=READ)
    async def page(
        self, lists: ListService, viewer: Viewer, request: Request[Any, Any, Any], type_key: str
    ) -> dict[str, Any]:
        page = await lists.page(type_key, _params(request), viewer=viewer, subtree=True)
        return page.as_dict()


_EXPORT_ID = re.compile(r"^[0-9a-f]{32}$")


class ExportController(Controller):
    """A whole list view as a spreadsheet: asked for here, written by a job, downloaded
    through a short-lived signed link. The caller follows the job at `/api/v1/jobs/{id}`
    (or its events); only the person who asked sees the job and gets the link."""

    path = "/api/v1/t/{code:str}/records/{type_key:str}/exports"
    tags = ["records"]  # noqa: RUF012

    @post("/", opt=READ, status_code=202)
    async def start(
        self,
        lists: ListService,
        exports: ExportDesk,
        viewer: Viewer,
        access: Access,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
        type_key: str,
    ) -> dict[str, Any]:
        """Export the view the query names (`view`, `filter.…`, `sort`, `q`, `personal`),
        all of it, as `format=xlsx` (default) or `csv`."""
        params = _params(request)
        fmt = (params.get("format") or ["xlsx"])[0]
        if fmt not in FORMATS or len(params.get("format") or ["x"]) != 1:
            raise ExportFormatInvalid(
                "lists.export.format_invalid", pointer="/format", value=fmt[:20]
            )
        export_id, job = await start_export(
            lists,
            exports,
            uow,
            type_key,
            params,
            fmt,
            viewer=viewer,
            tenant_id=access.tenant.id,
            requested_by=access.principal.account_id,
        )
        base = f"/api/v1/t/{access.tenant.code}/records/{type_key}/exports/{export_id}"
        return {
            "export": export_id,
            "job": job,
            "status_url": f"/api/v1/jobs/{job}",
            "events_url": f"/api/v1/jobs/{job}/events",
            "download_url": base,
        }

    @get("/{export_id:str}", opt=READ)
    async def download(
        self, exports: ExportDesk, access: Access, type_key: str, export_id: str
    ) -> dict[str, Any]:
        """The signed link of a finished export (409 while it runs)."""
        if not _EXPORT_ID.match(export_id):
            raise ExportNotFound("lists.export.not_found")
        found = await exports.finished(export_id, requested_by=access.principal.account_id)
        if found.tenant_id != access.tenant.id or found.type_key != type_key:
            raise ExportNotFound("lists.export.not_found")
        return {"url": exports.link(found), "name": found.name, "rows": found.rows}


#: the edge takes only JSON unless a route names more: this one takes the workbook itself
#: (JSON too, so that the media type is judged after the guard: JSON is no workbook, 422)
IMPORT: Final = {**WRITE, "accepts": (XLSX_TYPE, "application/json")}


class ImportController(Controller):
    """A spreadsheet of records of one item type, imported by a job: every row is created
    as `POST .../records/{type}` creates one, all of them or none. The job's status
    (`/api/v1/jobs/{id}`, or its events) ends with the result: the records made, or every
    problem with its row, column and field."""

    path = "/api/v1/t/{code:str}/records/{type_key:str}/imports"
    tags = ["records"]  # noqa: RUF012

    @post("/", opt=IMPORT, status_code=202, request_max_body_size=IMPORT_LIMITS.max_file_bytes + 1)
    async def start(
        self,
        records: RecordService,
        imports: ImportDesk,
        viewer: Viewer,
        access: Access,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
        type_key: str,
    ) -> dict[str, Any]:
        """The body is the workbook (`Content-Type: application/vnd.openxmlformats-…sheet`)."""
        import_id, job = await start_import(
            records,
            imports,
            uow,
            type_key,
            await request.body(),
            viewer=viewer,
            tenant_id=access.tenant.id,
            login=access.principal.login,
            account_id=access.principal.account_id,
        )
        return {
            "import": import_id,
            "job": job,
            "status_url": f"/api/v1/jobs/{job}",
            "events_url": f"/api/v1/jobs/{job}/events",
        }


CONTROLLERS = (
    RecordController,
    PublicListController,
    SubtreeRecordController,
    ExportController,
    ImportController,
)
