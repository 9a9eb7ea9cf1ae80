"""Identity's services, built once per process and injected by type.

What identity cannot know itself (whether an account holds an administrator
role) the rules above it pass in as `is_admin`, so this room never imports them.

Outside development and test the development SMS gateway (which writes codes
and phone numbers in the clear to a file) and the check-digit-only real-name
provider refuse to start: production names its real ones in
`YIWANG_SMS_GATEWAY` and `YIWANG_REALNAME_PROVIDER` (`package.module:factory`,
a callable with no arguments returning the provider).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache
from yiwang.platform.errors import InvalidInput, NotAuthenticated
from yiwang.platform.request_state import request_state
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.account_versions import AccountVersions
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.agents.service import Agents
from yiwang.policy.identity.enrolment import Enrolment
from yiwang.policy.identity.login import LockoutRules, LoginService
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.passwords import PasswordAge, PasswordHashing
from yiwang.policy.identity.profiles import Profiles
from yiwang.policy.identity.ratelimit import RateLimiter
from yiwang.policy.identity.realname import CheckDigitOnlyProvider, RealNameProvider
from yiwang.policy.identity.sessions import SESSION_COOKIE, Session, SessionStore
from yiwang.policy.identity.settings import DEV_ENVIRONMENTS, IdentitySettings
from yiwang.policy.identity.sms import DevelopmentSmsGateway, SmsCodes, SmsGateway
from yiwang.policy.identity.throttle import SignInThrottle
from yiwang.policy.identity.totp import RedisUsedCodeStore, TotpVerifier

#: where the guard leaves the verified session of an authenticated request
SESSION_STATE_KEY = "identity_session"
#: where the guard leaves the token of that session (for the routes that renew it)
TOKEN_STATE_KEY = "identity_token"


@dataclass(frozen=True)
class IdentityServices:
    settings: IdentitySettings
    accounts: Accounts
    session_store: SessionStore
    versions: AccountVersions
    login: LoginService
    enrolment: Enrolment
    realname: RealNameProvider
    #: cookies are `Secure` outside development and test
    secure_cookies: bool

    def profiles(self, uow: UnitOfWork) -> Profiles:
        return Profiles(uow, self.accounts, self.realname)

    def agents(self, uow: UnitOfWork) -> Agents:
        return Agents(uow, self.accounts, self.session_store, self.versions)

    def session_cookie(self, token: str) -> Cookie:
        """The browser's session cookie: site-wide (`/`), so one sign-in serves every subsite."""
        return Cookie(
            key=SESSION_COOKIE,
            value=token,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    @staticmethod
    def ended_session_cookie() -> Cookie:
        """What sign-out sends: the session cookie, emptied and expired."""
        return Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")


def load_provider(spec: str, setting: str) -> Any:
    """The object a `package.module:factory` setting names, built by calling the factory."""
    module_name, _, attribute = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
        return factory()
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise InvalidInput(
            "identity.provider_unavailable", setting=setting, spec=spec[:200], detail=str(exc)
        ) from exc


def production_providers(
    environment: str,
    ident: IdentitySettings,
    sms_gateway: SmsGateway | None,
    realname: RealNameProvider | None,
) -> tuple[SmsGateway, RealNameProvider]:
    """The SMS gateway and real-name provider to run with, or a refusal to start."""
    gateway = sms_gateway
    if gateway is None and ident.sms_gateway:
        gateway = cast(SmsGateway, load_provider(ident.sms_gateway, "YIWANG_SMS_GATEWAY"))
    provider = realname
    if provider is None and ident.realname_provider:
        provider = cast(
            RealNameProvider, load_provider(ident.realname_provider, "YIWANG_REALNAME_PROVIDER")
        )
    gateway = gateway or DevelopmentSmsGateway(ident.sms_log)
    provider = provider or CheckDigitOnlyProvider()
    if environment not in DEV_ENVIRONMENTS:
        if not getattr(gateway, "real", True):
            raise InvalidInput(
                "identity.development_provider", setting="YIWANG_SMS_GATEWAY", env=environment
            )
        if not getattr(provider, "real", True):
            raise InvalidInput(
                "identity.development_provider",
                setting="YIWANG_REALNAME_PROVIDER",
                env=environment,
            )
    return gateway, provider


def build_identity(
    settings: Settings,
    cache: Cache,
    sessions: async_sessionmaker[AsyncSession],
    *,
    is_admin: Callable[[Account], Awaitable[bool]],
    sms_gateway: SmsGateway | None = None,
    realname: RealNameProvider | None = None,
    hashing: PasswordHashing | None = None,
) -> IdentityServices:
    ident = IdentitySettings.from_env(settings)
    gateway, provider = production_providers(settings.environment, ident, sms_gateway, realname)
    redis = cache.strict_client
    accounts = Accounts(ident.cipher(), hashing or PasswordHashing())
    session_store = SessionStore(cache)
    limiter = RateLimiter(redis)
    versions = AccountVersions(redis, sessions)
    login = LoginService(
        accounts,
        limiter,
        SignInThrottle(redis, limiter),
        TotpVerifier(RedisUsedCodeStore(redis)),
        SmsCodes(redis, gateway, ident.sms_secret_bytes()),
        session_store,
        is_admin=is_admin,
        lockout=LockoutRules(ident.lockout_failures, ident.lockout_minutes),
        password_age=PasswordAge(ident.password_max_age_days, ident.password_history),
    )
    return IdentityServices(
        settings=ident,
        accounts=accounts,
        session_store=session_store,
        versions=versions,
        login=login,
        enrolment=Enrolment(login, versions, activation_hours=ident.activation_hours),
        realname=provider,
        secure_cookies=settings.environment not in DEV_ENVIRONMENTS,
    )


def current_session(connection: ASGIConnection[Any, Any, Any, Any]) -> Session:
    """The session the guard verified for this request (routes that require sign-in)."""
    found = request_state(connection).get(SESSION_STATE_KEY)
    if not isinstance(found, Session):
        raise NotAuthenticated("auth.required")
    return found


def current_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    found = request_state(connection).get(TOKEN_STATE_KEY)
    if not isinstance(found, str):
        raise NotAuthenticated("auth.required")
    return found


def dependencies(services: IdentityServices) -> dict[str, Provide]:
    def identity() -> IdentityServices:
        return services

    async def profiles(uow: UnitOfWork) -> Profiles:
        return services.profiles(uow)

    async def agents(uow: UnitOfWork) -> Agents:
        return services.agents(uow)

    async def signed_in(request: ASGIConnection[Any, Any, Any, Any]) -> Session:
        return current_session(request)

    async def session_token(request: ASGIConnection[Any, Any, Any, Any]) -> str:
        return current_token(request)

    return {
        "identity": Provide(identity, sync_to_thread=False),
        "profiles": Provide(profiles),
        "agents": Provide(agents),
        "signed_in": Provide(signed_in),
        "session_token": Provide(session_token),
    }
