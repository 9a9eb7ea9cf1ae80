"""What every part of the metadata service stands on: the unit of work, the
tenant tree, the model cache, the role catalogue and the runtime's record checks;
and a tenant's effective model, which every part reads."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.repository import MetadataRepository
from yiwang.metadata.versions.service.record_checks import RecordChecks
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.tenants.tree import TenantNode, TenantTree

#: the exchange format of `export` and `import`
EXCHANGE_FORMAT = "yiwang-metadata/1"


class ServiceBase:
    """The state the parts share (see `MetadataService`)."""

    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        roles: RoleCatalogue,
        records: RecordChecks | None = None,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.models = models
        self.route_roles: Collection[str] = frozenset(roles.roles)
        self.records = records

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def repo(self) -> MetadataRepository:
        return MetadataRepository(self.uow.session)

    async def effective(self, code: str) -> EffectiveModel:
        """Served from memory when it can be: a warm form costs no session."""
        return await self.models.served(self.uow, self.tree, code)

    def _is_root(self, node: TenantNode) -> bool:
        return node.parent_code is None
