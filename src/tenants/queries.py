"""What the public and staff read about a tenant beyond the tree: its departments."""

from __future__ import annotations

from collections.abc import Sequence

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.models import Department
from yiwang.tenants.repository import DepartmentRepository
from yiwang.tenants.tree import TenantTree


class TenantQueries:
    def __init__(self, uow: UnitOfWork, tree: TenantTree) -> None:
        self.uow = uow
        self.tree = tree

    async def departments(self, code: str) -> Sequence[Department]:
        """A tenant's departments: public, so read under that tenant's own scope."""
        tenant = self.tree.node(code)
        await self.uow.use_scope(TenantScope.single(tenant.id))
        return await DepartmentRepository(self.uow.session).for_tenant(tenant.id)
