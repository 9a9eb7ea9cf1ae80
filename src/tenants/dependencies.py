"""The tenant registry's services, built once per process and injected by type.

The API and the command line build the same services, so a change made
through either door announces itself the same way (`TenantDirectory.changed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from litestar.di import Provide

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.lifecycle import Lifecycle
from yiwang.tenants.onboarding.service import Onboarding, OnboardingStep
from yiwang.tenants.tree import TenantTree


@dataclass(frozen=True)
class TenantServices:
    directory: TenantDirectory
    templates_root: Path
    #: what completes an onboarding, supplied by the parts above (see `OnboardingStep`)
    onboarding_steps: tuple[OnboardingStep, ...] = ()

    @property
    def tree(self) -> TenantTree:
        return self.directory.tree

    def onboarding(self, uow: UnitOfWork) -> Onboarding:
        return Onboarding(uow, self.templates_root, self.directory.changed, self.onboarding_steps)

    def lifecycle(self, uow: UnitOfWork, home_tenant_id: int | None = None) -> Lifecycle:
        """The lifecycle acting from home tenant `home_tenant_id` (None: no person's)."""
        home = self.directory.tree.by_id.get(home_tenant_id) if home_tenant_id else None
        return Lifecycle(uow, self.directory.changed, home)

    def calendars(self, uow: UnitOfWork) -> Calendars:
        return Calendars(uow, self.directory.tree, announce=self.directory.changed)


def dependencies(services: TenantServices) -> dict[str, Provide]:
    def tree() -> TenantTree:
        return services.directory.tree

    def directory() -> TenantDirectory:
        return services.directory

    async def onboarding(uow: UnitOfWork) -> Onboarding:
        return services.onboarding(uow)

    async def lifecycle(uow: UnitOfWork, home_tenant_id: int | None) -> Lifecycle:
        # `home_tenant_id`: the signed-in person's own tenant, provided by the policy's guard
        return services.lifecycle(uow, home_tenant_id)

    async def calendars(uow: UnitOfWork) -> Calendars:
        return services.calendars(uow)

    return {
        "tree": Provide(tree, sync_to_thread=False),
        "directory": Provide(directory, sync_to_thread=False),
        "onboarding": Provide(onboarding),
        "lifecycle": Provide(lifecycle),
        "calendars": Provide(calendars),
    }
