"""Metadata's services, built once per process and injected by type."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.di import Provide

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService, RecordChecks
from yiwang.platform.cache import Cache
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.tenants.directory import TenantDirectory


@dataclass(frozen=True)
class MetadataServices:
    #: the worker's effective models; started and stopped with the app
    models: ModelCache
    directory: TenantDirectory
    #: approval steps may only name the catalogue's roles
    roles: RoleCatalogue
    #: the runtime's part of a publish (records a change would invalidate, list indexes)
    records: RecordChecks | None = None

    def service(self, uow: UnitOfWork) -> MetadataService:
        return MetadataService(uow, self.directory.tree, self.models, self.roles, self.records)


def build_metadata(
    cache: Cache,
    directory: TenantDirectory,
    roles: RoleCatalogue,
    records: RecordChecks | None = None,
) -> MetadataServices:
    return MetadataServices(ModelCache(cache), directory, roles, records)


def dependencies(services: MetadataServices) -> dict[str, Provide]:
    async def metadata(uow: UnitOfWork) -> MetadataService:
        return services.service(uow)

    return {"metadata": Provide(metadata)}
