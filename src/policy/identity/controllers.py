"""Sign-in API: password (+TOTP), SMS codes, activation, logout, the caller's own
profile and factors.

Sign-in and activation routes are public in the policy sense (there is no one
to authorise yet); `/api/v1/me` routes require a signed-in session, which the
guard checks (`opt={"authenticated": True}`), and only the owner's own profile
is unmasked. A session signed in with an expired password may only change it
(`opt={"authenticated": True, "password_change": True}`).

Logins are accepted at the edge up to 1024 characters, so that the sign-in
service itself refuses (and audits) anything malformed instead of the framework
answering without a record.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.enrolment import ActivationStarted
from yiwang.policy.identity.login import SignedIn
from yiwang.policy.identity.profiles import Profiles
from yiwang.policy.identity.sessions import Session, session_token

PUBLIC = {"public": True}
SIGNED_IN = {"authenticated": True}
#: also open to a session whose password expired: changing it is all it may do
PASSWORD_CHANGE = {"authenticated": True, "password_change": True}

Short = Annotated[str, msgspec.Meta(max_length=256)]
#: the service refuses and audits anything over its own bound
LoginText = Annotated[str, msgspec.Meta(max_length=1024)]
#: generous bound: the password policy refuses anything over its own maximum quickly
Secret = Annotated[str, msgspec.Meta(max_length=65536)]


class PasswordLoginIn(msgspec.Struct, forbid_unknown_fields=True):
    login: LoginText
    password: Secret
    totp: Short | None = None


class SmsCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: LoginText


class SmsLoginIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: LoginText
    code: Short


class ActivationIn(msgspec.Struct, forbid_unknown_fields=True):
    login: LoginText
    #: the activation code (for a reset: both halves, in order)
    code: Short
    password: Secret


class ActivationConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    login: LoginText
    code: Short
    password: Secret
    totp: Short


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Secret
    new_password: Secret
    totp: Short | None = None


class TotpEnrolIn(msgspec.Struct, forbid_unknown_fields=True):
    password: Secret
    totp: Short


class TotpConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    totp: Short


class RealNameIn(msgspec.Struct, forbid_unknown_fields=True):
    full_name: Short
    id_number: Short


def _signed_in(identity: IdentityServices, signed: SignedIn) -> Response[dict[str, Any]]:
    return Response(
        {
            "token": signed.token,
            "account_id": signed.account_id,
            "kind": signed.session.kind,
            "admin": signed.session.admin,
            "idle_timeout_seconds": signed.session.idle_seconds,
            "password_expired": signed.session.password_expired,
        },
        cookies=[identity.session_cookie(signed.token)],
    )


class AuthController(Controller):
    tags = ["identity"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/api/v1/auth/login", opt=PUBLIC, status_code=200)
    async def password_login(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        data: PasswordLoginIn,
    ) -> Response[dict[str, Any]]:
        signed = await identity.login.password_login(
            uow, data.login, data.password, totp_code=data.totp, ip=client_ip
        )
        return _signed_in(identity, signed)

    @post("/api/v1/auth/sms/code", opt=PUBLIC, status_code=202)
    async def sms_code(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        data: SmsCodeIn,
    ) -> dict[str, bool]:
        await identity.login.request_sms_code(uow, data.phone, ip=client_ip)
        return {"sent": True}

    @post("/api/v1/auth/sms/login", opt=PUBLIC, status_code=200)
    async def sms_login(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        data: SmsLoginIn,
    ) -> Response[dict[str, Any]]:
        signed = await identity.login.sms_login(uow, data.phone, data.code, ip=client_ip)
        return _signed_in(identity, signed)

    @post("/api/v1/auth/logout", opt=PUBLIC, status_code=200)
    async def logout(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        request: Request[Any, Any, Any],
        client_ip: str,
    ) -> Response[dict[str, bool]]:
        token = session_token(request.headers, request.cookies)
        if token:
            await identity.login.logout(uow, token, ip=client_ip)
        return Response(
            {"logged_out": True},
            cookies=[identity.ended_session_cookie()],
        )

    @post("/api/v1/auth/activation", opt=PUBLIC, status_code=200)
    async def activate(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        data: ActivationIn,
    ) -> Response[dict[str, Any]]:
        """Set your own password with the activation code; staff then get their TOTP URI."""
        result = await identity.enrolment.activate(
            uow, data.login, data.code, data.password, ip=client_ip
        )
        if isinstance(result, ActivationStarted):
            return Response({"totp_uri": result.totp_uri, "confirm_required": True})
        return _signed_in(identity, result)

    @post("/api/v1/auth/activation/confirm", opt=PUBLIC, status_code=200)
    async def confirm_activation(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        data: ActivationConfirmIn,
    ) -> Response[dict[str, Any]]:
        """A code from the authenticator just enrolled completes the activation."""
        signed = await identity.enrolment.confirm(
            uow, data.login, data.code, data.password, data.totp, ip=client_ip
        )
        return _signed_in(identity, signed)

    @post("/api/v1/me/password", opt=PASSWORD_CHANGE, status_code=200)
    async def change_password(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        signed_in: Session,
        session_token: str,
        data: PasswordChangeIn,
    ) -> Response[dict[str, Any]]:
        """A new password (current password and TOTP code); other sessions end."""
        signed = await identity.enrolment.change_password(
            uow,
            signed_in,
            session_token,
            current=data.current_password,
            totp=data.totp,
            new=data.new_password,
            ip=client_ip,
        )
        return _signed_in(identity, signed)

    @post("/api/v1/me/totp", opt=SIGNED_IN, status_code=200)
    async def enrol_totp(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        signed_in: Session,
        data: TotpEnrolIn,
    ) -> dict[str, Any]:
        """A new authenticator (current password and a code from the old one)."""
        started = await identity.enrolment.start_totp(
            uow, signed_in, password=data.password, totp=data.totp, ip=client_ip
        )
        return {"totp_uri": started.totp_uri, "confirm_required": True}

    @post("/api/v1/me/totp/confirm", opt=SIGNED_IN, status_code=200)
    async def confirm_totp(
        self,
        identity: IdentityServices,
        uow: UnitOfWork,
        client_ip: str,
        signed_in: Session,
        session_token: str,
        data: TotpConfirmIn,
    ) -> Response[dict[str, Any]]:
        """A code from the new authenticator installs it; other sessions end."""
        signed = await identity.enrolment.confirm_totp(
            uow, signed_in, session_token, totp=data.totp, ip=client_ip
        )
        return _signed_in(identity, signed)

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
