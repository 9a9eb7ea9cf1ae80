"""Tenants API: thin handlers; the services hold the logic."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import NotFound
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.tenants import lifecycle
from yiwang.tenants.calendars import service as calendar_service
from yiwang.tenants.directory import TenantDirectory, TenantInfo
from yiwang.tenants.onboarding import service as onboarding
from yiwang.tenants.repository import DepartmentRepository
from yiwang.tenants.schemas import (
    CalendarDayOut,
    CalendarYearIn,
    DepartmentOut,
    LifecycleIn,
    OnboardIn,
    OnboardOut,
    TenantOut,
)

Year = Parameter(int, ge=1990, le=2100)


def actor_of(request: Request[Any, Any, Any]) -> str:
    user = request.scope.get("user")
    return str(getattr(user, "login", None) or "anonymous")


def _out(info: TenantInfo) -> TenantOut:
    return TenantOut(
        info.code, info.name, info.level, info.status, info.slug, info.path, info.parent_code
    )


def _known(directory: TenantDirectory, code: str) -> TenantInfo:
    info = directory.by_code.get(code)
    if info is None:
        raise NotFound("tenant.not_found", pointer="/code", code=code[:12])
    return info


class TenantController(Controller):
    """The public directory of regions, and their provincial administration
    (onboarding, lifecycle, calendars)."""

    tags = ["tenants"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/api/v1/tenants", opt={"public": True})
    async def list_tenants(self, state: State) -> list[TenantOut]:
        return [_out(i) for i in sorted(state.directory.by_code.values(), key=lambda i: i.path)]

    @get("/api/v1/t/{code:str}", opt={"public": True})
    async def get_tenant(self, state: State, code: str) -> TenantOut:
        return _out(_known(state.directory, code))

    @get("/api/v1/t/{code:str}/departments", opt={"public": True})
    async def departments(
        self, state: State, db_session: AsyncSession, code: str
    ) -> list[DepartmentOut]:
        info = _known(state.directory, code)
        await apply_scope(db_session, TenantScope.single(info.id))
        rows = await DepartmentRepository(db_session).for_tenant(info.id)
        return [DepartmentOut(r.key, r.name) for r in rows]

    @get("/api/v1/t/{code:str}/calendar/{year:int}", opt={"public": True})
    async def calendar(
        self, state: State, db_session: AsyncSession, code: str, year: int = Year
    ) -> list[CalendarDayOut]:
        _known(state.directory, code)
        entries = await calendar_service.entries_for(db_session, code, year)
        return [CalendarDayOut(e.day, e.kind, e.name) for e in entries]

    @post(
        "/api/v1/t/{code:str}/onboard",
        opt={"object": "tenant", "action": "onboard"},
        status_code=200,
    )
    async def onboard(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        code: str,
        data: OnboardIn,
    ) -> OnboardOut:
        _known(state.directory, code)
        result = await onboarding.onboard(
            db_session,
            divisions=data.divisions,
            template_name=data.template,
            templates_root=state.settings.templates_root,
            actor=actor_of(request),
            within=code,
        )
        await db_session.commit()
        if result.changed:
            await state.directory.changed()
        return OnboardOut(**result.as_dict())  # type: ignore[arg-type]

    @post(
        [f"/api/v1/t/{{code:str}}/{action}" for action in lifecycle.TRANSITIONS],
        opt={"object": "tenant", "action": "write"},
        status_code=200,
        summary="Suspend, resume or archive a tenant",
    )
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        code: str,
        data: LifecycleIn | None = None,
    ) -> TenantOut:
        _known(state.directory, code)
        await lifecycle.change_status(
            db_session,
            code=code,
            action=request.url.path.rsplit("/", 1)[-1],
            actor=actor_of(request),
            reason=data.reason if data else None,
        )
        await db_session.commit()
        await state.directory.changed()
        return _out(_known(state.directory, code))

    @put("/api/v1/t/{code:str}/calendar/{year:int}", opt={"object": "calendar", "action": "write"})
    async def replace_calendar(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        code: str,
        data: CalendarYearIn,
        year: int = Year,
    ) -> dict[str, int]:
        _known(state.directory, code)
        count = await calendar_service.replace_year(
            db_session, code=code, year=year, csv_text=data.csv, actor=actor_of(request)
        )
        return {"entries": count}
