"""Sign-in API: password (+TOTP), SMS codes, logout, the caller's own profile.

These routes are public in the policy sense (no object/action: there is no
one to authorise yet). `/api/v1/me` checks the session itself, and only the
owner's own profile is shown unmasked.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State

from yiwang.platform import audit
from yiwang.platform.database import transaction
from yiwang.platform.errors import NotAuthenticated
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.login import LoginService, SignedIn
from yiwang.policy.identity.realname import RealNameProvider
from yiwang.policy.identity.sessions import Session, SessionStore

SESSION_COOKIE = "yiwang_session"

Short = Annotated[str, msgspec.Meta(max_length=256)]
#: generous bound: the password policy refuses anything over its own maximum quickly
Secret = Annotated[str, msgspec.Meta(max_length=65536)]


class IdentityServices(Protocol):
    login: LoginService
    accounts: Accounts
    session_store: SessionStore
    realname: RealNameProvider


class PasswordLoginIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Short
    password: Secret
    totp: Short | None = None


class SmsCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Short


class SmsLoginIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Short
    code: Short


class RealNameIn(msgspec.Struct, forbid_unknown_fields=True):
    full_name: Short
    id_number: Short


def _ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _token(request: Request[Any, Any, Any]) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE) or None


async def _session(state: State, request: Request[Any, Any, Any]) -> Session:
    token = _token(request)
    store: SessionStore = state.identity.session_store
    session = await store.get(token) if token else None
    if session is None:
        raise NotAuthenticated("auth.required")
    return session


def _signed_in(state: State, signed: SignedIn) -> Response[dict[str, Any]]:
    secure = state.settings.environment not in ("development", "test")
    return Response(
        {
            "token": signed.token,
            "account_id": signed.account_id,
            "kind": signed.session.kind,
            "admin": signed.session.admin,
            "idle_timeout_seconds": signed.session.idle_seconds,
        },
        cookies=[
            Cookie(
                key=SESSION_COOKIE,
                value=signed.token,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        ],
    )


class AuthController(Controller):
    tags = ["identity"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/api/v1/auth/login", opt={"public": True}, status_code=200)
    async def password_login(
        self, state: State, request: Request[Any, Any, Any], data: PasswordLoginIn
    ) -> Response[dict[str, Any]]:
        services: IdentityServices = state.identity
        signed = await services.login.password_login(
            data.login, data.password, totp_code=data.totp, ip=_ip(request)
        )
        return _signed_in(state, signed)

    @post("/api/v1/auth/sms/code", opt={"public": True}, status_code=202)
    async def sms_code(
        self, state: State, request: Request[Any, Any, Any], data: SmsCodeIn
    ) -> dict[str, bool]:
        await state.identity.login.request_sms_code(data.phone, ip=_ip(request))
        return {"sent": True}

    @post("/api/v1/auth/sms/login", opt={"public": True}, status_code=200)
    async def sms_login(
        self, state: State, request: Request[Any, Any, Any], data: SmsLoginIn
    ) -> Response[dict[str, Any]]:
        signed = await state.identity.login.sms_login(data.phone, data.code, ip=_ip(request))
        return _signed_in(state, signed)

    @post("/api/v1/auth/logout", opt={"public": True}, status_code=200)
    async def logout(
        self, state: State, request: Request[Any, Any, Any]
    ) -> Response[dict[str, bool]]:
        token = _token(request)
        if token:
            await state.identity.login.logout(token, ip=_ip(request))
        return Response(
            {"logged_out": True},
            cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")],
        )

    @get("/api/v1/me", opt={"public": True})
    async def me(self, state: State, request: Request[Any, Any, Any]) -> dict[str, Any]:
        session = await _session(state, request)
        services: IdentityServices = state.identity
        async with state.sessions() as db:
            account = await services.accounts.get(db, session.account_id)
        if account is None:
            raise NotAuthenticated("auth.required")
        return services.accounts.profile(account, own=True)

    @post("/api/v1/me/realname", opt={"public": True}, status_code=200)
    async def realname(
        self, state: State, request: Request[Any, Any, Any], data: RealNameIn
    ) -> dict[str, Any]:
        session = await _session(state, request)
        services: IdentityServices = state.identity
        async with transaction(state.sessions) as db:
            account = await services.accounts.get(db, session.account_id)
            if account is None:
                raise NotAuthenticated("auth.required")
            result = await services.accounts.verify_real_name(
                db, account, services.realname, full_name=data.full_name, id_number=data.id_number
            )
            await audit.record(
                db,
                actor=f"account:{account.id}",
                action="identity.realname",
                object_type="account",
                object_id=str(account.id),
                outcome="success" if result.verified else "failure",
                detail={"provider": result.provider, "checked": list(result.checked)},
            )
        return {
            "verified": result.verified,
            "provider": result.provider,
            "checked": list(result.checked),
            "note": result.note,
        }
