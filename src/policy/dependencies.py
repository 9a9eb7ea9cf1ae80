"""The policy rules' services, built once per process and injected by type.

The rules stand on identity: they build the guard from identity's session
store and hand identity an `is_admin` check, so identity never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.account_admin import AccountAdmin
from yiwang.policy.broadcast import PolicySync
from yiwang.policy.catalogue import RoleCatalogue, load_catalogue
from yiwang.policy.denials import DenialLog
from yiwang.policy.enforcer import PolicyEngine, user_subject
from yiwang.policy.guards import PolicyGuard, provide_access, provide_home_tenant_id
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.models import Account
from yiwang.policy.service import PolicyAdmin
from yiwang.tenants.directory import TenantDirectory


class SyncedEngines:
    """Policy changes in a worker are checked against its own, freshly refreshed engine."""

    def __init__(self, sync: PolicySync) -> None:
        self._sync = sync

    async def engine_at(self, session: AsyncSession, version: int) -> PolicyEngine:
        engine = self._sync.holder.engine
        if engine.version < version:
            await self._sync.refresh()
            engine = self._sync.holder.engine
        return engine


@dataclass(frozen=True)
class PolicyServices:
    catalogue: RoleCatalogue
    sync: PolicySync

    async def is_admin(self, account: Account) -> bool:
        engine = self.sync.holder.engine
        return any(
            g.role in self.catalogue.roles and self.catalogue.roles[g.role].admin
            for g in engine.grants_of(user_subject(account.id))
        )

    def admin(self, uow: UnitOfWork, directory: TenantDirectory, accounts: Accounts) -> PolicyAdmin:
        return PolicyAdmin(
            uow,
            directory.tree,
            self.catalogue,
            accounts,
            SyncedEngines(self.sync),
            self.sync.changed,
        )

    def account_admin(
        self, uow: UnitOfWork, directory: TenantDirectory, identity: IdentityServices
    ) -> AccountAdmin:
        return AccountAdmin(
            uow,
            directory.tree,
            self.catalogue,
            identity.accounts,
            identity.enrolment,
            SyncedEngines(self.sync),
        )

    def guard(
        self,
        identity: IdentityServices,
        directory: TenantDirectory,
        denials: DenialLog | None = None,
    ) -> PolicyGuard:
        return PolicyGuard(
            catalogue=self.catalogue,
            holder=self.sync,
            sessions=identity.session_store,
            versions=identity.versions,
            directory=directory,
            denials=denials,
        )


def build_policy(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    cache: Cache,
    *,
    poll_seconds: float = 1.0,
) -> PolicyServices:
    catalogue = load_catalogue(settings.templates_root)
    return PolicyServices(
        catalogue, PolicySync(sessions, catalogue, cache.strict_client, poll_seconds=poll_seconds)
    )


def dependencies(
    policy: PolicyServices, identity: IdentityServices, directory: TenantDirectory
) -> dict[str, Provide]:
    def catalogue() -> RoleCatalogue:
        return policy.catalogue

    async def policy_admin(uow: UnitOfWork) -> PolicyAdmin:
        return policy.admin(uow, directory, identity.accounts)

    async def account_admin(uow: UnitOfWork) -> AccountAdmin:
        return policy.account_admin(uow, directory, identity)

    return {
        "catalogue": Provide(catalogue, sync_to_thread=False),
        "policy_admin": Provide(policy_admin),
        "account_admin": Provide(account_admin),
        "access": Provide(provide_access, sync_to_thread=False),
        "home_tenant_id": Provide(provide_home_tenant_id, sync_to_thread=False),
    }
