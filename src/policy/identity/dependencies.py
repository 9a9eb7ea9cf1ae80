"""Identity's services, built once per process and injected by type.

What identity cannot know itself (whether an account holds an administrator
role) the rules above it pass in as `is_admin`, so this room never imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import Provide

from yiwang.platform.cache import Cache
from yiwang.platform.errors import NotAuthenticated
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.login import LockoutRules, LoginService
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.passwords import PasswordHashing
from yiwang.policy.identity.profiles import Profiles
from yiwang.policy.identity.ratelimit import RateLimiter
from yiwang.policy.identity.realname import CheckDigitOnlyProvider, RealNameProvider
from yiwang.policy.identity.sessions import Session, SessionStore
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.policy.identity.sms import DevelopmentSmsGateway, SmsCodes, SmsGateway
from yiwang.policy.identity.totp import RedisUsedCodeStore, TotpVerifier

#: where the guard leaves the verified session of an authenticated request
SESSION_STATE_KEY = "identity_session"


@dataclass(frozen=True)
class IdentityServices:
    settings: IdentitySettings
    accounts: Accounts
    session_store: SessionStore
    login: LoginService
    realname: RealNameProvider
    #: cookies are `Secure` outside development and test
    secure_cookies: bool

    def profiles(self, uow: UnitOfWork) -> Profiles:
        return Profiles(uow, self.accounts, self.realname)


def build_identity(
    settings: Settings,
    cache: Cache,
    *,
    is_admin: Callable[[Account], Awaitable[bool]],
    sms_gateway: SmsGateway | None = None,
    realname: RealNameProvider | None = None,
    hashing: PasswordHashing | None = None,
) -> IdentityServices:
    ident = IdentitySettings.from_env(settings)
    redis = cache.strict_client
    accounts = Accounts(ident.cipher(), hashing or PasswordHashing())
    session_store = SessionStore(cache)
    login = LoginService(
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
    return IdentityServices(
        settings=ident,
        accounts=accounts,
        session_store=session_store,
        login=login,
        realname=realname or CheckDigitOnlyProvider(),
        secure_cookies=settings.environment not in ("development", "test"),
    )


def current_session(connection: ASGIConnection[Any, Any, Any, Any]) -> Session:
    """The session the guard verified for this request (routes that require sign-in)."""
    found = connection.state.get(SESSION_STATE_KEY)
    if not isinstance(found, Session):
        raise NotAuthenticated("auth.required")
    return found


def dependencies(services: IdentityServices) -> dict[str, Provide]:
    def identity() -> IdentityServices:
        return services

    async def profiles(uow: UnitOfWork) -> Profiles:
        return services.profiles(uow)

    async def signed_in(request: ASGIConnection[Any, Any, Any, Any]) -> Session:
        return current_session(request)

    return {
        "identity": Provide(identity, sync_to_thread=False),
        "profiles": Provide(profiles),
        "signed_in": Provide(signed_in),
    }
