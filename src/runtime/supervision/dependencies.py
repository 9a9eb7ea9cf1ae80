"""What supervision handlers may ask for: the service in the request's unit of work."""

from __future__ import annotations

from litestar.di import Provide

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.directory import TenantDirectory


def dependencies(directory: TenantDirectory) -> dict[str, Provide]:
    async def supervision(uow: UnitOfWork) -> SupervisionService:
        return SupervisionService(uow, directory.tree)

    return {"supervision": Provide(supervision)}
