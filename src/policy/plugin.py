"""Identity and policy, assembled once per process.

`build_services` makes every object identity and policy need from the
settings, the session factory and the cache; `PolicyPlugin` adds them to a
Litestar app: the guard on every route, the controllers, `state.policy` and
`state.identity`, and a lifespan hook that builds the first enforcer and keeps
it current (`broadcast.PolicySync`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.policy.broadcast import PolicySync
from yiwang.policy.catalogue import RoleCatalogue, load_catalogue
from yiwang.policy.enforcer import PolicyEngine, user_subject
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.login import LockoutRules, LoginService
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.passwords import PasswordHashing
from yiwang.policy.identity.ratelimit import RateLimiter
from yiwang.policy.identity.realname import CheckDigitOnlyProvider, RealNameProvider
from yiwang.policy.identity.sessions import SessionStore
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.policy.identity.sms import DevelopmentSmsGateway, SmsCodes, SmsGateway
from yiwang.policy.identity.totp import RedisUsedCodeStore, TotpVerifier
from yiwang.policy.service import PolicyAdmin


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


@dataclass
class PolicyServices:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    identity_settings: IdentitySettings
    catalogue: RoleCatalogue
    sync: PolicySync
    accounts: Accounts
    session_store: SessionStore
    login: LoginService
    admin: PolicyAdmin
    realname: RealNameProvider

    def is_admin(self, account_id: int) -> bool:
        engine = self.sync.holder.engine
        return any(
            g.role in self.catalogue.roles and self.catalogue.roles[g.role].admin
            for g in engine.grants_of(user_subject(account_id))
        )


def build_services(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    cache: Cache,
    *,
    sms_gateway: SmsGateway | None = None,
    realname: RealNameProvider | None = None,
    hashing: PasswordHashing | None = None,
    poll_seconds: float = 1.0,
) -> PolicyServices:
    ident = IdentitySettings.from_env(settings.environment)
    catalogue = load_catalogue(settings.templates_root)
    redis = cache.strict_client
    sync = PolicySync(sessions, catalogue, redis, poll_seconds=poll_seconds)
    accounts = Accounts(ident.cipher(), hashing or PasswordHashing())
    session_store = SessionStore(cache)
    services: PolicyServices

    async def is_admin(account: Account) -> bool:
        return services.is_admin(account.id)

    login = LoginService(
        sessions,
        accounts,
        RateLimiter(redis),
        TotpVerifier(RedisUsedCodeStore(redis)),
        SmsCodes(
            redis, sms_gateway or DevelopmentSmsGateway(ident.sms_log), ident.sms_secret_bytes()
        ),
        session_store,
        is_admin=is_admin,
        lockout=LockoutRules(ident.lockout_failures, ident.lockout_minutes),
    )
    admin = PolicyAdmin(sessions, catalogue, accounts, SyncedEngines(sync), sync.changed)
    services = PolicyServices(
        settings=settings,
        sessions=sessions,
        identity_settings=ident,
        catalogue=catalogue,
        sync=sync,
        accounts=accounts,
        session_store=session_store,
        login=login,
        admin=admin,
        realname=realname or CheckDigitOnlyProvider(),
    )
    return services


class PolicyPlugin(InitPluginProtocol):
    """Adds the guard, the identity and policy controllers, state and the sync lifespan."""

    def __init__(self, services: PolicyServices) -> None:
        self.services = services

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        from yiwang.policy.controllers import CatalogueController, PolicyController
        from yiwang.policy.guards import policy_guard
        from yiwang.policy.identity.controllers import AuthController

        services = self.services

        @asynccontextmanager
        async def policy_lifespan(app: Litestar) -> AsyncIterator[None]:
            await services.sync.start()
            try:
                yield
            finally:
                await services.sync.stop()

        app_config.guards = [*app_config.guards, policy_guard]
        app_config.route_handlers = [
            *app_config.route_handlers,
            AuthController,
            CatalogueController,
            PolicyController,
        ]
        app_config.lifespan = [*app_config.lifespan, policy_lifespan]
        app_config.state.update({"policy": services, "identity": services})
        return app_config
