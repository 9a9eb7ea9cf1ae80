"""Tenants API: thin handlers over the registry's services, injected by type."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from yiwang import __version__
from yiwang.platform.conditional import Prepared, etag_for
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.lifecycle import Lifecycle
from yiwang.tenants.onboarding.service import Onboarding
from yiwang.tenants.schemas import (
    CalendarDayOut,
    CalendarYearIn,
    DepartmentOut,
    LifecycleIn,
    OnboardIn,
    OnboardOut,
    TenantOut,
)
from yiwang.tenants.tree import TenantNode, TenantTree

Year = Parameter(int, ge=1990, le=2100)
PUBLIC = {"public": True}
#: held only by province-level roles (province_admin, system_admin): the province's alone
LIFECYCLE = {"object": "tenant", "action": "write"}


def _out(node: TenantNode) -> TenantOut:
    return TenantOut(
        node.code, node.name, node.level, node.status, node.slug, node.path, node.parent_code
    )


async def _change(
    lifecycle: Lifecycle, tree: TenantTree, code: str, action: str, data: LifecycleIn | None
) -> TenantOut:
    tenant = await lifecycle.change(
        code,
        action,
        reason=data.reason if data else None,
        confirm=data.confirm if data else None,
    )
    return _out(replace(tree.node(code), status=tenant.status))


class TenantController(Controller):
    """The public directory of regions, and their provincial administration
    (onboarding, lifecycle, calendars)."""

    tags = ["tenants"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get(
        "/api/v1/tenants",
        opt=PUBLIC,
        responses={
            200: ResponseSpec(list[TenantOut], description="全部地区（带 ETag）"),
            304: ResponseSpec(None, description="客户端已有此版本"),
        },
    )
    async def list_tenants(
        self, directory: TenantDirectory, request: Request[Any, Any, Any]
    ) -> Prepared:
        """The whole tree, encoded once per registry version and revalidated by its ETag."""
        tree, version = directory.tree, directory.version

        def prepare() -> Prepared:
            body = msgspec.json.encode([_out(n) for n in tree.by_code.values()])
            return Prepared(body, etag_for("tenants", __version__, version))

        return directory.memo("tenants.json", prepare).answer(request)

    @get("/api/v1/t/{code:str}", opt=PUBLIC)
    async def get_tenant(self, tree: TenantTree, code: str) -> TenantOut:
        return _out(tree.node(code))

    @get("/api/v1/t/{code:str}/departments", opt=PUBLIC)
    async def departments(self, directory: TenantDirectory, code: str) -> list[DepartmentOut]:
        return [DepartmentOut(r.key, r.name) for r in directory.departments_of(code)]

    @get("/api/v1/t/{code:str}/calendar/{year:int}", opt=PUBLIC)
    async def calendar(
        self, calendars: Calendars, code: str, year: int = Year
    ) -> list[CalendarDayOut]:
        return [
            CalendarDayOut(e.day, e.kind, e.name) for e in await calendars.entries_for(code, year)
        ]

    @post(
        "/api/v1/t/{code:str}/onboard",
        opt={"object": "tenant", "action": "onboard"},
        status_code=200,
    )
    async def onboard(
        self, onboarding: Onboarding, tree: TenantTree, code: str, data: OnboardIn
    ) -> OnboardOut:
        tree.node(code)
        result = await onboarding.onboard(
            divisions=data.divisions, template_name=data.template, within=code
        )
        return OnboardOut(**result.as_dict())  # type: ignore[arg-type]

    @post("/api/v1/t/{code:str}/suspend", opt=LIFECYCLE, status_code=200)
    async def suspend(
        self, lifecycle: Lifecycle, tree: TenantTree, code: str, data: LifecycleIn | None = None
    ) -> TenantOut:
        return await _change(lifecycle, tree, code, "suspend", data)

    @post("/api/v1/t/{code:str}/resume", opt=LIFECYCLE, status_code=200)
    async def resume(
        self, lifecycle: Lifecycle, tree: TenantTree, code: str, data: LifecycleIn | None = None
    ) -> TenantOut:
        return await _change(lifecycle, tree, code, "resume", data)

    @post("/api/v1/t/{code:str}/archive", opt=LIFECYCLE, status_code=200)
    async def archive(
        self, lifecycle: Lifecycle, tree: TenantTree, code: str, data: LifecycleIn | None = None
    ) -> TenantOut:
        """Archive: confirmed by `{"confirm": "<the tenant's name>"}`."""
        return await _change(lifecycle, tree, code, "archive", data)

    @post("/api/v1/t/{code:str}/unarchive", opt=LIFECYCLE, status_code=200)
    async def unarchive(
        self, lifecycle: Lifecycle, tree: TenantTree, code: str, data: LifecycleIn | None = None
    ) -> TenantOut:
        """Bring an archived tenant back, suspended, for the province to check and resume."""
        return await _change(lifecycle, tree, code, "unarchive", data)

    @put("/api/v1/t/{code:str}/calendar/{year:int}", opt={"object": "calendar", "action": "write"})
    async def replace_calendar(
        self, calendars: Calendars, code: str, data: CalendarYearIn, year: int = Year
    ) -> dict[str, int]:
        return {"entries": await calendars.replace_year(code, year, data.csv)}
