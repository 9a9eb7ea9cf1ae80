"""The cases room's services, built once per process, and what handlers may ask for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import Provide

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.actors import account_actor
from yiwang.platform.storage import ObjectStorage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access, PolicyHolderSource, provide_access
from yiwang.runtime.cases.attached import AttachmentKeys
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.routes.actions import Actor
from yiwang.tenants.calendars.cache import CalendarCache
from yiwang.tenants.directory import TenantDirectory


@dataclass
class CasesServices:
    models: ModelCache
    directory: TenantDirectory
    holder: PolicyHolderSource
    storage: ObjectStorage
    #: the e-licence authority; None where no signing key is configured (no licence issued)
    authority: CertificateAuthority | None = None
    warning_days: int = 1
    specs: RouteSpecs = field(default_factory=RouteSpecs)
    #: working calendars, per version of the tenant tree (see `CalendarCache`)
    calendars: CalendarCache = field(default_factory=CalendarCache)
    #: the attachments room's checks in a unit (wired by the app; None: every one refused)
    attachments: Callable[[UnitOfWork], AttachmentKeys] | None = None

    def service(self, uow: UnitOfWork) -> CasesService:
        return CasesService(
            uow,
            self.directory.tree,
            self.models,
            self.specs,
            warning_days=self.warning_days,
            certificates=self.certificates(uow),
            calendars=self.calendars,
            attachments=self.attachments(uow) if self.attachments is not None else None,
        )

    def certificates(self, uow: UnitOfWork) -> CaseCertificates:
        return CaseCertificates(uow, self.directory.tree, self.models, self.storage, self.authority)

    def actor(self, access: Access) -> Actor:
        """The engine's facts about the caller at the target tenant: who (the account, never
        the login: a citizen's login is a masked phone number two people may share), roles
        held there (through any grant reaching it, or the account kind's implicit role) and
        department."""
        principal = access.principal
        roles = set(self.holder.holder.engine.roles_at(principal.subject, access.tenant.path))
        if not principal.subject.startswith("user:"):
            roles.add(principal.subject)
        return Actor(
            id=account_actor(principal.account_id),
            tenant=access.tenant.code,
            roles=frozenset(roles),
            department=principal.department,
        )


def dependencies(services: CasesServices) -> dict[str, Provide]:
    async def cases(uow: UnitOfWork) -> CasesService:
        return services.service(uow)

    async def case_certificates(uow: UnitOfWork) -> CaseCertificates:
        return services.certificates(uow)

    def case_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
        return services.actor(provide_access(request))

    return {
        "cases": Provide(cases),
        "case_certificates": Provide(case_certificates),
        "case_actor": Provide(case_actor, sync_to_thread=False),
    }
