"""Sign-in API: password (+TOTP), SMS codes, logout, the caller's own profile.

Sign-in routes are public in the policy sense (there is no one to authorise
yet); `/api/v1/me` routes require a signed-in session, which the guard checks
(`opt={"authenticated": True}`), and only the owner's own profile is unmasked.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.login import SignedIn
from yiwang.policy.identity.profiles import Profiles
from yiwang.policy.identity.sessions import SESSION_COOKIE, Session, session_token

PUBLIC = {"public": True}
SIGNED_IN = {"authenticated": True}

Short = Annotated[str, msgspec.Meta(max_length=256)]
#: generous bound: the password policy refuses anything over its own maximum quickly
Secret = Annotated[str, msgspec.Meta(max_length=65536)]


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


def _signed_in(identity: IdentityServices, signed: SignedIn) -> Response[dict[str, Any]]:
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
                secure=identity.secure_cookies,
                path="/",
            )
        ],
    )


class AuthController(Controller):
    tags = ["identity"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/api/v1/auth/login", opt=PUBLIC, status_code=200)
    async def password_login(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
        data: PasswordLoginIn,
    ) -> Response[dict[str, Any]]:
        signed = await identity.login.password_login(
            uow, data.login, data.password, totp_code=data.totp, ip=_ip(request)
        )
        return _signed_in(identity, signed)

    @post("/api/v1/auth/sms/code", opt=PUBLIC, status_code=202)
    async def sms_code(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
        data: SmsCodeIn,
    ) -> dict[str, bool]:
        await identity.login.request_sms_code(uow, data.phone, ip=_ip(request))
        return {"sent": True}

    @post("/api/v1/auth/sms/login", opt=PUBLIC, status_code=200)
    async def sms_login(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
        data: SmsLoginIn,
    ) -> Response[dict[str, Any]]:
        signed = await identity.login.sms_login(uow, data.phone, data.code, ip=_ip(request))
        return _signed_in(identity, signed)

    @post("/api/v1/auth/logout", opt=PUBLIC, status_code=200)
    async def logout(
        self, identity: IdentityServices, uow: UnitOfWork, request: Request[Any, Any, Any]
    ) -> Response[dict[str, bool]]:
        token = session_token(request.headers, request.cookies)
        if token:
            await identity.login.logout(uow, token, ip=_ip(request))
        return Response(
            {"logged_out": True},
            cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")],
        )

    @get("/api/v1/me", opt=SIGNED_IN)
    async def me(self, profiles: Profiles, signed_in: Session) -> dict[str, Any]:
        return await profiles.own(signed_in)

    @post("/api/v1/me/realname", opt=SIGNED_IN, status_code=200)
    async def realname(
        self, profiles: Profiles, signed_in: Session, data: RealNameIn
    ) -> dict[str, Any]:
        return await profiles.verify_real_name(
            signed_in, full_name=data.full_name, id_number=data.id_number
        )
