"""What handlers of the applications room may ask for: `applications`, per unit of work."""

from __future__ import annotations

from litestar.di import Provide

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.applications.service import Applications
from yiwang.runtime.cases.dependencies import CasesServices
from yiwang.runtime.dependencies import RuntimeServices


def dependencies(runtime: RuntimeServices, cases: CasesServices) -> dict[str, Provide]:
    async def applications(uow: UnitOfWork) -> Applications:
        return Applications(uow, runtime.records(uow), cases.service(uow))

    return {"applications": Provide(applications)}
