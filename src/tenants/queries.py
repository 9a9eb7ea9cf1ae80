"""What the public and staff read about a tenant beyond the tree: its departments.

Departments change only when a tenant is onboarded, which bumps the registry
version, so they are read once per version and then served from the worker's
directory: a public page costs no database round trip for them.
"""

from __future__ import annotations

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.directory import DepartmentEntry, TenantDirectory
from yiwang.tenants.repository import DepartmentRepository


class TenantQueries:
    def __init__(self, uow: UnitOfWork, directory: TenantDirectory) -> None:
        self.uow = uow
        self.directory = directory

    async def departments(self, code: str) -> tuple[DepartmentEntry, ...]:
        """A tenant's departments (public: read, when needed, under that tenant's scope)."""
        directory = self.directory
        found = directory.departments.get(code)
        if found is not None:
            return found
        version, tenant = directory.version, directory.tree.node(code)
        await self.uow.use_scope(TenantScope.single(tenant.id))
        rows = await DepartmentRepository(self.uow.session).for_tenant(tenant.id)
        entries = tuple(DepartmentEntry(r.key, r.name) for r in rows)
        if directory.version == version:  # not reloaded meanwhile: still this version's
            directory.departments[code] = entries
        return entries
