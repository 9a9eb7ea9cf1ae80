"""Supervision API. Queries across tenants are `/subtree/` routes: the guard computes
the supervisor's subtree scope and row-level security holds it.

    GET  /api/v1/t/{code}/subtree/supervision/cases        a page of cases across the subtree
    GET  /api/v1/t/{code}/subtree/supervision/counts       case counts grouped by base fields
    GET  /api/v1/t/{code}/subtree/supervision/metrics      the supervision metrics (dashboard JSON)
    POST /api/v1/t/{code}/subtree/supervision/exports      the cases as CSV or XLSX, a job (202)
    GET  /api/v1/t/{code}/subtree/supervision/exports/{id} its download link, once finished
    GET  /api/v1/t/{code}/supervision/orders               a tenant's 督办 orders
    POST /api/v1/t/{code}/supervision/orders               issue one (case or department)
    POST /api/v1/t/{code}/supervision/orders/{id}/response answer one

Reads and orders need `case:supervise` (supervisors only); answering an order
needs `case:handle` (the staff who handle the tenant's cases).
"""

from __future__ import annotations

import re
from typing import Any, Final

from litestar import Controller, Request, get, post

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.supervision.errors import SupervisionExportNotFound
from yiwang.runtime.supervision.exports import ExportDesk, start_export
from yiwang.runtime.supervision.schemas import OrderRequest, OrderResponse
from yiwang.runtime.supervision.service import SupervisionService

SUPERVISE: Final = {"object": "case", "action": "supervise"}
HANDLE: Final = {"object": "case", "action": "handle"}
#: an export's id: 32 lower-case hex digits (the server names it)
_EXPORT_ID: Final = re.compile(r"^[0-9a-f]{32}$")


def _params(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    query = request.query_params
    return {key: list(query.getall(key)) for key in query}


class SubtreeSupervisionController(Controller):
    path = "/api/v1/t/{code:str}/subtree/supervision"
    tags = ["supervision"]  # noqa: RUF012

    @get("/cases", opt=SUPERVISE)
    async def cases(
        self, supervision: SupervisionService, request: Request[Any, Any, Any]
    ) -> dict[str, Any]:
        """Cases across the subtree: `filter.FIELD[.OP]`, `sort`, `period`, `fields`
        (overlay `x_` fields), `limit`; `truncated` says the row bound was hit."""
        return await supervision.cross_tenant_cases(_params(request))

    @get("/counts", opt=SUPERVISE)
    async def counts(
        self, supervision: SupervisionService, request: Request[Any, Any, Any]
    ) -> dict[str, Any]:
        """Case counts grouped by `group=tenant,level,department,power_type,service_item,
        status,colour,online,period.month|day|year`, with the same filters."""
        return await supervision.cross_tenant_counts(_params(request))

    @get("/metrics", opt=SUPERVISE)
    async def metrics(
        self, supervision: SupervisionService, request: Request[Any, Any, Any]
    ) -> dict[str, Any]:
        """The supervision metrics: `period`, `by=department|tenant|level|total`,
        `filter.tenant`, `filter.level`."""
        return await supervision.metrics(_params(request))

    @post("/exports", opt=SUPERVISE, status_code=202)
    async def export(
        self,
        supervision_exports: ExportDesk,
        access: Access,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Export the query's cases (the same filters, `sort`, `period`, `fields`, `limit`
        ≤ 1,000,000, `format=csv|xlsx`) as a job in the scope the guard computed here;
        a bad query is refused now, with its pointers. Follow `status_url` (or
        `events_url`); once complete, `download_url` gives the file's link."""
        export_id, job = start_export(
            supervision_exports,
            uow,
            _params(request),
            scope=access.scope,
            requested_by=access.principal.account_id,
        )
        return {
            "export": export_id,
            "job": job,
            "status_url": f"/api/v1/jobs/{job}",
            "events_url": f"/api/v1/jobs/{job}/events",
            "download_url": f"{export_url(access.tenant.code)}/{export_id}",
        }

    @get("/exports/{supervision_export_id:str}", opt=SUPERVISE)
    async def download(
        self, supervision_exports: ExportDesk, access: Access, supervision_export_id: str
    ) -> dict[str, Any]:
        """The signed link of the caller's own finished export (409 while it runs); any
        other export, and one asked at another tenant, is the same 404."""
        export_id = supervision_export_id
        if not _EXPORT_ID.match(export_id):
            raise SupervisionExportNotFound("supervision.export_not_found")
        exports = supervision_exports
        found = await exports.finished(export_id, requested_by=access.principal.account_id)
        if found.tenant_id != access.tenant.id:
            raise SupervisionExportNotFound("supervision.export_not_found")
        return {"url": exports.link(found), "name": found.name, "rows": found.rows}


def export_url(code: str) -> str:
    """Where a tenant's supervisors ask for exports (and download them)."""
    return f"/api/v1/t/{code}/subtree/supervision/exports"


class SupervisionOrderController(Controller):
    path = "/api/v1/t/{code:str}/supervision/orders"
    tags = ["supervision"]  # noqa: RUF012

    @get("/", opt=SUPERVISE)
    async def list_orders(
        self, supervision: SupervisionService, code: str, status: str | None = None
    ) -> list[dict[str, Any]]:
        return await supervision.orders(code, status)

    @post("/", opt=SUPERVISE)
    async def issue(
        self, supervision: SupervisionService, access: Access, code: str, data: OrderRequest
    ) -> dict[str, Any]:
        """Issue a 督办 order with a response deadline in working days."""
        home = access.principal.home_tenant_id
        issuer_code = (
            supervision.tree.by_id[home].code
            if home is not None and home in supervision.tree.by_id
            else code
        )
        return await supervision.issue_order(
            code,
            reason=data.reason,
            days=data.days,
            issuer=access.principal.login,
            issuer_code=issuer_code,
            number=data.number,
            department=data.department,
        )

    @post("/{order_id:int}/response", opt=HANDLE, status_code=200)
    async def respond(
        self,
        supervision: SupervisionService,
        access: Access,
        code: str,
        order_id: int,
        data: OrderResponse,
    ) -> dict[str, Any]:
        await supervision.respond(code, order_id, data.response, access.principal.login)
        return {"id": order_id, "status": "answered"}


CONTROLLERS = (SubtreeSupervisionController, SupervisionOrderController)
