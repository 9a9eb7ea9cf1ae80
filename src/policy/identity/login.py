"""Signing in: passwords with TOTP, SMS codes for citizens, logout.

Every attempt, successful or not, malformed or throttled, writes an audit
record, in the unit of work's independent transaction because it must survive
the refusal that rolls the unit back.

Every failed sign-in looks the same, whichever factor was wrong: an unknown
login, a pending, disabled or locked account, a wrong password, a right
password with a missing, wrong or replayed TOTP code all answer 401
`identity.login_failed` with the same message, and cost the same work (one
Argon2 verification, one TOTP computation against the account's secret or a
dummy one, one counter update and one audit record), so no answer tells an
attacker that a password was right. Only a valid TOTP code is ever recorded
as used, and only someone holding the second factor can send one.

Throttling (`throttle`) comes first and fails closed; the per-account lock
yields to a valid second factor, so an attacker who sends wrong passwords
cannot lock the holder out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform import audit
from yiwang.platform.errors import InvalidInput, NotAuthenticated, RateLimited, YiwangError
from yiwang.platform.unit_of_work import UnitOfWork, person
from yiwang.policy.identity.accounts import Accounts, kind_of_login
from yiwang.policy.identity.codes import normalise_phone
from yiwang.policy.identity.crypto import mask_login
from yiwang.policy.identity.inputs import malformed_login, printable
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.passwords import PasswordAge
from yiwang.policy.identity.ratelimit import (
    SMS_PER_IP,
    SMS_PER_PHONE_DAY,
    SMS_PER_PHONE_MINUTE,
    RateLimiter,
)
from yiwang.policy.identity.sessions import Session, SessionStore
from yiwang.policy.identity.sms import SmsCodes
from yiwang.policy.identity.throttle import SignInThrottle, login_key
from yiwang.policy.identity.totp import TotpVerifier, new_secret, used_key

#: decides whether an account holds an administrator role (supplied by the policy part)
AdminCheck = Callable[[Account], Awaitable[bool]]

#: compared against when an account has no TOTP secret, so every attempt computes one
_DUMMY_TOTP_SECRET = new_secret()


def claimant(login: str) -> str:
    """The actor of a sign-in attempt, whatever becomes of it: the login it claimed,
    masked (phone and ID numbers), cut and with control characters escaped; blank
    is `anonymous`. One format for every attempt, well-formed or not."""
    return person(printable(mask_login(login.strip()[:64])))


@dataclass(frozen=True)
class LockoutRules:
    """The per-account limit on failed sign-ins (等保): `max_failures` lock the account
    for `lock_minutes` against attempts without a valid second factor."""

    max_failures: int = 5
    lock_minutes: int = 15


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    account_id: int


class LoginService:
    def __init__(
        self,
        accounts: Accounts,
        limiter: RateLimiter,
        throttle: SignInThrottle,
        totp: TotpVerifier,
        sms: SmsCodes,
        session_store: SessionStore,
        *,
        is_admin: AdminCheck,
        lockout: LockoutRules | None = None,
        password_age: PasswordAge | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.accounts = accounts
        self._limiter = limiter
        self.throttle = throttle
        self.totp = totp
        self._sms = sms
        self.session_store = session_store
        self._is_admin = is_admin
        self.lockout = lockout or LockoutRules()
        self.password_age = password_age or PasswordAge()
        self._now = clock or (lambda: datetime.now(UTC))

    def failed(self) -> NotAuthenticated:
        """The one answer to every failed sign-in."""
        return NotAuthenticated("identity.login_failed", minutes=self.lockout.lock_minutes)

    def now(self) -> datetime:
        return self._now()

    async def audit_attempt(
        self,
        session: AsyncSession,
        *,
        actor: str,
        action: str,
        account: Account | None,
        outcome: str,
        reason: str,
        ip: str,
        detail: dict[str, str] | None = None,
    ) -> None:
        await audit.record(
            session,
            actor=actor,
            action=action,
            object_type="account",
            object_id=str(account.id) if account else None,
            tenant_id=account.tenant_id if account else None,
            outcome=outcome,
            detail={"reason": reason, "ip": printable(ip), **(detail or {})},
        )

    async def screen(self, uow: UnitOfWork, action: str, login: str, ip: str) -> str:
        """Throttle and shape checks every sign-in-like attempt passes first.

        Returns the throttle key. A throttled attempt is audited and answered 429;
        a malformed login (empty, overlong, control characters such as NUL) is
        audited and answered 422 `identity.login_malformed`. Both records go
        through the unit's `audit_refusal` and name the claimed login as every
        sign-in record does (`claimant`).
        """
        key = login_key(login)
        problem: YiwangError | None = None
        reason = ""
        try:
            await self.throttle.check(key, ip)
        except RateLimited as exc:
            problem, reason = exc, "throttled"
        if problem is None and malformed_login(login):
            problem = InvalidInput("identity.login_malformed", pointer="/login")
            reason = "malformed_login"
        if problem is not None:
            await self.refused(uow, action, login, reason=reason, ip=ip, field="login")
            raise problem
        return key

    async def refused(
        self, uow: UnitOfWork, action: str, login: str, *, reason: str, ip: str, field: str
    ) -> None:
        """Audit an attempt refused before any account was looked at."""
        await uow.audit_refusal(
            actor=claimant(login),
            action=action,
            object_type="account",
            detail={
                "reason": reason,
                "ip": printable(ip),
                field: printable(mask_login(login.strip()[:64])),
            },
        )

    # passwords ---------------------------------------------------------------

    async def password_login(
        self, uow: UnitOfWork, login: str, password: str, *, totp_code: str | None, ip: str
    ) -> SignedIn:
        """Staff (with TOTP) and legal persons sign in with a password."""
        key = await self.screen(uow, "identity.login", login, ip)
        kind = kind_of_login(login)
        actor = claimant(login)
        async with uow.independent() as session:  # the attempt's record survives its refusal
            account = None
            if kind != "citizen":
                account = await self.accounts.find(session, kind, login)
            now = self._now()
            reason = await self._judge(account, password, totp_code, now)
            ok = reason in ("password", "password+totp")
            if ok and account is not None:
                account.failed_logins = 0
                account.locked_until = None
                account.last_login_at = now
            await self.audit_attempt(
                session,
                actor=actor,
                action="identity.login",
                account=account,
                outcome="success" if ok else "failure",
                reason=reason,
                ip=ip,
            )
        if not ok or account is None:
            await self.throttle.failed(key, ip)
            raise self.failed()
        await self.throttle.succeeded(key, ip)
        return await self.start(account, second_factor=account.kind == "staff")

    async def _judge(
        self, account: Account | None, password: str, totp_code: str | None, now: datetime
    ) -> str:
        """Why the attempt fails, or "password"/"password+totp" when it succeeds.

        The Argon2 verification and the TOTP computation run whatever the
        outcome, so that the time an answer takes does not depend on which
        factor was wrong.
        """
        staff = account is not None and account.kind == "staff"
        secret = self.accounts.totp_secret(account) if staff and account is not None else None
        password_ok = self.accounts.hashing.verify(
            account.password_hash if account else None, password
        )
        step = self.totp.step_of(secret or _DUMMY_TOTP_SECRET, totp_code or "")
        if secret is None:
            step = None
        if account is None:
            return "unknown_login"
        if account.status != "active":
            return "pending_activation" if account.status == "pending" else "disabled"
        locked = account.locked_until is not None and account.locked_until > now
        if locked and step is None:
            return "locked"  # a valid second factor unlocks; nothing else is examined
        if not password_ok:
            return self.count_failure(account, now, "bad_password")
        if not staff:
            return "password"
        if secret is None:
            return self.count_failure(account, now, "totp_not_enrolled")
        if step is None:
            return self.count_failure(account, now, "totp_missing" if not totp_code else "bad_totp")
        if not await self.totp.consume(used_key(account.id, secret), step):
            return self.count_failure(account, now, "totp_reused")
        return "password+totp"

    def count_failure(self, account: Account, now: datetime, reason: str) -> str:
        account.failed_logins += 1
        if account.failed_logins >= self.lockout.max_failures:
            account.locked_until = now + timedelta(minutes=self.lockout.lock_minutes)
            account.failed_logins = 0
            reason += "+locked"
        return reason

    # SMS ---------------------------------------------------------------------

    async def _phone(self, uow: UnitOfWork, action: str, phone: str, ip: str) -> str:
        """The normalised number, or an audited 422 (`identity.phone_invalid`)."""
        try:
            if malformed_login(phone):
                raise InvalidInput("identity.phone_invalid", pointer="/phone")
            return normalise_phone(phone)
        except InvalidInput:
            await self.refused(uow, action, phone, reason="malformed_phone", ip=ip, field="phone")
            raise

    async def request_sms_code(self, uow: UnitOfWork, phone: str, *, ip: str) -> None:
        """Send a sign-in code. The answer is the same whether or not an account exists."""
        number = await self._phone(uow, "identity.sms_code", phone, ip)
        try:
            await self._limiter.hit_all(
                [
                    (SMS_PER_PHONE_MINUTE, login_key(number)),
                    (SMS_PER_PHONE_DAY, login_key(number)),
                    (SMS_PER_IP, ip),
                ]
            )
        except RateLimited:
            await self.refused(
                uow, "identity.sms_code", number, reason="throttled", ip=ip, field="phone"
            )
            raise
        await self._sms.issue(number)
        await self.audit_attempt(
            uow.session,
            actor=claimant(number),
            action="identity.sms_code",
            account=None,
            outcome="success",
            reason="sent",
            ip=ip,
        )

    async def sms_login(self, uow: UnitOfWork, phone: str, code: str, *, ip: str) -> SignedIn:
        """Citizens sign in by phone; the first sign-in creates their account."""
        number = await self._phone(uow, "identity.login", phone, ip)
        key = await self.screen(uow, "identity.login", number, ip)
        error: YiwangError | None = None
        try:
            await self._sms.verify(number, code)
        except InvalidInput as exc:
            error = exc
        async with uow.independent() as session:  # the attempt's record survives its refusal
            account = await self.accounts.find(session, "citizen", number)
            if error is None and account is None:
                account = await self.accounts.create(session, kind="citizen", login=number)
            if error is None and account is not None and account.status != "active":
                error = self.failed()
            if error is None and account is not None:
                account.last_login_at = self._now()
            await self.audit_attempt(
                session,
                actor=claimant(number),
                action="identity.login",
                account=account,
                outcome="success" if error is None else "failure",
                reason="sms" if error is None else error.code,
                ip=ip,
            )
        if error is not None or account is None:
            await self.throttle.failed(key, ip)
            raise error or self.failed()
        await self.throttle.succeeded(key, ip)
        return await self.start(account, second_factor=False)

    # sessions ----------------------------------------------------------------

    async def start(self, account: Account, *, second_factor: bool) -> SignedIn:
        """A session for `account` at its current session version."""
        admin = await self._is_admin(account)
        expired = account.kind != "citizen" and self.password_age.expired(
            account.password_changed_at, self._now()
        )
        token, session = await self.session_store.create(
            account.id,
            account.kind,
            admin=admin,
            second_factor=second_factor,
            login=account.login,
            tenant_id=account.tenant_id,
            department=account.department_key,
            version=account.session_version,
            password_expired=expired,
        )
        return SignedIn(token, session, account.id)

    async def logout(self, uow: UnitOfWork, token: str, *, ip: str) -> None:
        session = await self.session_store.get(token)
        await self.session_store.delete(token)
        if session is None:
            return
        account = await self.accounts.get(uow.session, session.account_id)
        await self.audit_attempt(
            uow.session,
            actor=person(session.login),
            action="identity.logout",
            account=account,
            outcome="success",
            reason="logout",
            ip=ip,
        )
