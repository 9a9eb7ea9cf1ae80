"""What handlers of the applications room may ask for: `applications`, per unit of work.

`applications` depends on the unit of work alone and carries how the cases room names the
caller (`Applications.actor_for`), so the API route asks Litestar for one dependency
chain (unit of work, then applications) and no other leaf beside the unit: Litestar
resolves dependencies of the same depth together in an anyio task group, a task each
(three tasks and a task group were about a tenth of a millisecond of an application).
"""

from __future__ import annotations

from litestar.di import Provide

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.applications.service import Applications
from yiwang.runtime.cases.dependencies import CasesServices
from yiwang.runtime.dependencies import RuntimeServices


def dependencies(runtime: RuntimeServices, cases: CasesServices) -> dict[str, Provide]:
    async def applications(uow: UnitOfWork) -> Applications:
        return Applications(uow, runtime.records(uow), cases.service(uow), cases.actor)

    return {"applications": Provide(applications)}
