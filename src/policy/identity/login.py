"""Signing in: passwords with lockout and TOTP, SMS codes for citizens, logout.

Every attempt, successful or not, writes an audit record. An attempt's
bookkeeping (its failure count and its audit record) is written in the unit of
work's independent transaction, because it must survive the refusal that
rolls the unit back. A failed password sign-in gets the same
message whether or not the account exists or is locked, and an unknown login
costs the same Argon2 work as a wrong password, so nothing tells an attacker
which logins are real. Rate limits come first and fail closed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform import audit
from yiwang.platform.errors import InvalidInput, NotAuthenticated, YiwangError
from yiwang.platform.unit_of_work import UnitOfWork, person
from yiwang.policy.identity.accounts import Accounts, kind_of_login
from yiwang.policy.identity.codes import normalise_phone
from yiwang.policy.identity.crypto import mask_login, mask_phone
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.ratelimit import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_IP,
    SMS_PER_IP,
    SMS_PER_PHONE_DAY,
    SMS_PER_PHONE_MINUTE,
    RateLimiter,
)
from yiwang.policy.identity.sessions import Session, SessionStore
from yiwang.policy.identity.sms import SmsCodes
from yiwang.policy.identity.totp import TotpVerifier

#: decides whether an account holds an administrator role (supplied by the policy part)
AdminCheck = Callable[[Account], Awaitable[bool]]


@dataclass(frozen=True)
class LockoutRules:
    max_failures: int = 5
    lock_minutes: int = 15


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    account_id: int


def _key(value: str) -> str:
    """Rate-limit keys never hold a login or a phone number in the clear."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class LoginService:
    def __init__(
        self,
        accounts: Accounts,
        limiter: RateLimiter,
        totp: TotpVerifier,
        sms: SmsCodes,
        session_store: SessionStore,
        *,
        is_admin: AdminCheck,
        lockout: LockoutRules | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.accounts = accounts
        self._limiter = limiter
        self._totp = totp
        self._sms = sms
        self.session_store = session_store
        self._is_admin = is_admin
        self.lockout = lockout or LockoutRules()
        self._now = clock or (lambda: datetime.now(UTC))

    def _failed(self) -> NotAuthenticated:
        return NotAuthenticated("identity.login_failed", minutes=self.lockout.lock_minutes)

    async def _audit(
        self,
        session: AsyncSession,
        *,
        actor: str,
        action: str,
        account: Account | None,
        outcome: str,
        reason: str,
        ip: str,
    ) -> None:
        await audit.record(
            session,
            actor=actor,
            action=action,
            object_type="account",
            object_id=str(account.id) if account else None,
            tenant_id=account.tenant_id if account else None,
            outcome=outcome,
            detail={"reason": reason, "ip": ip},
        )

    async def password_login(
        self, uow: UnitOfWork, login: str, password: str, *, totp_code: str | None, ip: str
    ) -> SignedIn:
        """Staff (with TOTP) and legal persons sign in with a password."""
        await self._limiter.hit_all([(LOGIN_PER_ACCOUNT, _key(login)), (LOGIN_PER_IP, ip)])
        kind = kind_of_login(login)
        actor = person(mask_login(login.strip()[:64]))
        error: YiwangError | None = None
        async with uow.independent() as session:  # the attempt's record survives its refusal
            account = None
            if kind != "citizen":
                account = await self.accounts.find(session, kind, login)
            now = self._now()
            stored_hash = account.password_hash if account else None
            password_ok = self.accounts.hashing.verify(stored_hash, password)
            if account is None or account.status != "active":
                reason = "unknown_login" if account is None else "disabled"
                error = self._failed()
            elif account.locked_until is not None and account.locked_until > now:
                reason, error = "locked", self._failed()
            elif not password_ok:
                reason, error = self._count_failure(account, now, "bad_password")
            else:
                reason, error = await self._second_factor(account, totp_code, now)
            if error is None and account is not None:
                account.failed_logins = 0
                account.locked_until = None
                account.last_login_at = now
            await self._audit(
                session,
                actor=actor,
                action="identity.login",
                account=account,
                outcome="success" if error is None else "failure",
                reason=reason,
                ip=ip,
            )
        if error is not None or account is None:
            raise error or self._failed()
        return await self._start(account, second_factor=account.kind == "staff")

    def _count_failure(
        self, account: Account, now: datetime, reason: str
    ) -> tuple[str, YiwangError]:
        account.failed_logins += 1
        if account.failed_logins >= self.lockout.max_failures:
            account.locked_until = now + timedelta(minutes=self.lockout.lock_minutes)
            account.failed_logins = 0
            reason += "+locked"
        return reason, self._failed()

    async def _second_factor(
        self, account: Account, code: str | None, now: datetime
    ) -> tuple[str, YiwangError | None]:
        if account.kind != "staff":
            return "password", None
        secret = self.accounts.totp_secret(account)
        if secret is None:
            return "totp_not_enrolled", InvalidInput("identity.totp_not_enrolled")
        if not code:
            return "totp_missing", InvalidInput("identity.second_factor_required", pointer="/totp")
        try:
            await self._totp.verify(f"account:{account.id}", secret, code)
        except InvalidInput as exc:
            # A wrong or replayed code counts as a failed sign-in, like a wrong password.
            reason, _ = self._count_failure(account, now, exc.code.rsplit(".", 1)[-1])
            return reason, exc
        return "password+totp", None

    async def request_sms_code(self, uow: UnitOfWork, phone: str, *, ip: str) -> None:
        """Send a sign-in code. The answer is the same whether or not an account exists."""
        number = normalise_phone(phone)
        await self._limiter.hit_all(
            [
                (SMS_PER_PHONE_MINUTE, _key(number)),
                (SMS_PER_PHONE_DAY, _key(number)),
                (SMS_PER_IP, ip),
            ]
        )
        await self._sms.issue(number)
        await self._audit(
            uow.session,
            actor=person(mask_phone(number)),
            action="identity.sms_code",
            account=None,
            outcome="success",
            reason="sent",
            ip=ip,
        )

    async def sms_login(self, uow: UnitOfWork, phone: str, code: str, *, ip: str) -> SignedIn:
        """Citizens sign in by phone; the first sign-in creates their account."""
        number = normalise_phone(phone)
        await self._limiter.hit_all([(LOGIN_PER_ACCOUNT, _key(number)), (LOGIN_PER_IP, ip)])
        error: YiwangError | None = None
        try:
            await self._sms.verify(number, code)
        except InvalidInput as exc:
            error = exc
        async with uow.independent() as session:  # the attempt's record survives its refusal
            account = await self.accounts.find(session, "citizen", number)
            if error is None and account is None:
                account = (
                    await self.accounts.create(session, kind="citizen", login=number)
                ).account
            if error is None and account is not None and account.status != "active":
                error = self._failed()
            if error is None and account is not None:
                account.last_login_at = self._now()
            await self._audit(
                session,
                actor=person(mask_phone(number)),
                action="identity.login",
                account=account,
                outcome="success" if error is None else "failure",
                reason="sms" if error is None else error.code,
                ip=ip,
            )
        if error is not None or account is None:
            raise error or self._failed()
        return await self._start(account, second_factor=False)

    async def _start(self, account: Account, *, second_factor: bool) -> SignedIn:
        admin = await self._is_admin(account)
        token, session = await self.session_store.create(
            account.id,
            account.kind,
            admin=admin,
            second_factor=second_factor,
            login=account.login,
            tenant_id=account.tenant_id,
            department=account.department_key,
        )
        return SignedIn(token, session, account.id)

    async def logout(self, uow: UnitOfWork, token: str, *, ip: str) -> None:
        session = await self.session_store.get(token)
        await self.session_store.delete(token)
        if session is None:
            return
        account = await self.accounts.get(uow.session, session.account_id)
        await self._audit(
            uow.session,
            actor=person(session.login),
            action="identity.logout",
            account=account,
            outcome="success",
            reason="logout",
            ip=ip,
        )
