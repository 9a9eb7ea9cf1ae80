"""The citizen portal: each tenant's subsite pages, rendered on the server in Chinese."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.repository import DepartmentRepository
from yiwang.tenants.subsite import tenant_of

LEVEL_NAMES = {"province": "省级", "prefecture": "市州", "county": "县区", "zone": "功能区"}


@get("/", opt={"public": True}, include_in_schema=False)
async def platform_home(state: State) -> Template:
    directory: TenantDirectory = state.directory
    roots = [t for t in directory.by_code.values() if t.parent_code is None]
    return Template(
        "portal_home.html",
        context={"roots": roots, "children": directory.children, "levels": LEVEL_NAMES},
    )


@get("/r/{code:str}/", opt={"public": True}, include_in_schema=False)
async def subsite_home(
    code: str, request: Request[Any, Any, Any], state: State, db_session: AsyncSession
) -> Template:
    tenant = tenant_of(request.scope)
    if tenant is None or tenant.code != code:
        raise NotFoundException()
    directory: TenantDirectory = state.directory
    await apply_scope(db_session, TenantScope.single(tenant.id))
    departments = await DepartmentRepository(db_session).for_tenant(tenant.id)
    return Template(
        "subsite_home.html",
        context={
            "tenant": tenant,
            "level_name": LEVEL_NAMES.get(tenant.level, ""),
            "ancestors": directory.ancestors(tenant),
            "children": sorted(directory.children.get(tenant.code, []), key=lambda t: t.code),
            "departments": departments,
        },
    )
