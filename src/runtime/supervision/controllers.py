"""Supervision API. Queries across tenants are `/subtree/` routes: the guard computes
the supervisor's subtree scope and row-level security holds it.

    GET  /api/v1/t/{code}/subtree/supervision/cases        a page of cases across the subtree
    GET  /api/v1/t/{code}/subtree/supervision/counts       case counts grouped by base fields
    GET  /api/v1/t/{code}/subtree/supervision/metrics      the supervision metrics (dashboard JSON)
    GET  /api/v1/t/{code}/subtree/supervision/export       the cases as CSV or XLSX, streamed
    GET  /api/v1/t/{code}/supervision/orders               a tenant's 督办 orders
    POST /api/v1/t/{code}/supervision/orders               issue one (case or department)
    POST /api/v1/t/{code}/supervision/orders/{id}/response answer one

Reads and orders need `case:supervise` (supervisors only); answering an order
needs `case:handle` (the staff who handle the tenant's cases).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import File

from yiwang.policy.guards import Access
from yiwang.runtime.spreadsheets.exporting import Column, write_csv_async, write_xlsx_async
from yiwang.runtime.supervision.query import parse_query
from yiwang.runtime.supervision.schemas import OrderRequest, OrderResponse
from yiwang.runtime.supervision.service import SupervisionService

SUPERVISE: Final = {"object": "case", "action": "supervise"}
HANDLE: Final = {"object": "case", "action": "handle"}
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXPORT_COLUMNS: Final = (
    Column("tenant_code", "地区代码"),
    Column("tenant_name", "地区"),
    Column("number", "办件编号"),
    Column("service_item", "事项"),
    Column("department", "实施部门"),
    Column("status", "状态"),
    Column("colour", "预警"),
    Column("submitted_at", "申请时间"),
    Column("updated_at", "更新时间"),
    Column("promised_due", "承诺期限"),
    Column("power_type", "权力类型"),
    Column("online", "网上可办"),
    Column("fully_online", "全程网办"),
    Column("visits", "跑动次数"),
)


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

    @get("/export", opt=SUPERVISE)
    async def export(
        self, supervision: SupervisionService, request: Request[Any, Any, Any]
    ) -> File:
        """The query's cases (at most `limit`, default and ceiling 1,000,000) as
        `format=csv` or `format=xlsx`: read through a server-side cursor into a
        temporary file inside the request's transaction, then sent from disk, so
        memory stays constant and a timeout is an error, not a broken download."""
        query = parse_query(_params(request), export=True)
        columns = [*EXPORT_COLUMNS, *(Column(k, k) for k in query.overlay)]
        rows = supervision.cross_tenant_export_rows(query)
        xlsx = query.format == "xlsx"
        out = tempfile.NamedTemporaryFile(suffix=".xlsx" if xlsx else ".csv", delete=False)  # noqa: SIM115
        if xlsx:
            out.close()
            await write_xlsx_async(rows, columns, out.name, sheet_name="办件")
        else:
            with out:
                await write_csv_async(rows, columns, out)
        return File(
            out.name,
            filename=f"supervision-cases.{'xlsx' if xlsx else 'csv'}",
            media_type=XLSX_TYPE if xlsx else "text/csv; charset=utf-8",
            background=BackgroundTask(os.unlink, out.name),
        )


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
