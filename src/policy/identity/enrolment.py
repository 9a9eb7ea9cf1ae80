"""A person's own factors: activation, password change, TOTP re-enrolment; and the codes
administrators hand out for them.

No administrator ever learns a usable secret of another person's account
(三员分立, 等保 2.0 level 3):

1. **Issue.** Whoever creates a staff or legal-person account receives a
   one-time activation code (`activation_codes`), never a password or a TOTP
   secret. The code expires (`activation_hours`), works once, is stored
   hashed, and its row names who held it.
2. **Activate** (`POST /api/v1/auth/activation`, public): the person sends
   login, code and a password of their choosing. A staff account then
   receives its TOTP provisioning URI, once, and
3. **confirms** (`POST /api/v1/auth/activation/confirm`) with login, code,
   password and a code from the authenticator: only now are the password
   and the secret installed, the code spent, the account active and a
   session started. A legal person, who has no TOTP, is active after step 2.
4. **Change the password** (`POST /api/v1/me/password`): the current
   password and, for staff, a TOTP code; the new password passes the policy
   and repeats none of the last `PasswordAge.history`. An expired password
   (`PasswordAge.max_age_days`) signs in to a session that may do nothing
   else.
5. **Re-enrol TOTP** (`POST /api/v1/me/totp`, then `.../confirm`): with the
   current password and a valid code from the old authenticator.
6. **Reset** (a person who lost a factor): one administrator requests it and
   receives the first half of a new code; a different administrator approves
   it and receives the second half; only then are the account's password
   and secret cleared and its sessions ended. The person, given both halves
   by the two, activates as in step 2. Neither administrator alone can.

Every attempt is audited. Activation failures all answer
`identity.activation_failed` and are throttled like sign-ins. Each change of
a factor ends the account's other sessions (`account_versions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from yiwang.platform.unit_of_work import UnitOfWork, person
from yiwang.policy.identity import activation_codes as codes
from yiwang.policy.identity.account_versions import AccountVersions
from yiwang.policy.identity.accounts import ACTIVATED_KINDS, kind_of_login, normalise_login
from yiwang.policy.identity.inputs import printable
from yiwang.policy.identity.login import LoginService, SignedIn, claimant
from yiwang.policy.identity.models import Account, Activation
from yiwang.policy.identity.repository import AccountRepository
from yiwang.policy.identity.sessions import Session
from yiwang.policy.identity.totp import new_secret, provisioning_uri, used_key

#: a TOTP secret being re-enrolled must be confirmed within this time
TOTP_PENDING_MINUTES = 15
#: compared against when no activation matches, so every attempt costs a hash comparison
_NO_CODE_HASH = codes.create_hash(codes.new_code(codes.CREATE_LENGTH))


@dataclass(frozen=True)
class IssuedCode:
    """A code (or half of one) shown to its holder once."""

    code: str
    expires_at: datetime
    activation_id: int

    def as_dict(self, key: str = "activation_code") -> dict[str, object]:
        return {
            key: self.code,
            "activation_expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class ActivationStarted:
    """Step 2 for staff: the URI their authenticator enrols, shown this once."""

    totp_uri: str


@dataclass(frozen=True)
class Holder:
    """Who acts on an account's codes: the audit actor, and their account if a person."""

    actor: str
    account_id: int | None


class Enrolment:
    def __init__(
        self, login: LoginService, versions: AccountVersions, *, activation_hours: int = 72
    ) -> None:
        self.login = login
        self.accounts = login.accounts
        self.versions = versions
        self.activation_hours = activation_hours

    def _expiry(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.activation_hours)

    async def _end_sessions(self, session: AsyncSession, account: Account) -> int:
        return await AccountRepository(session).bump_version(account)

    async def announce(self, account_id: int, version: int) -> None:
        """After the change committed: every worker's guard sees the new version."""
        await self.versions.publish(account_id, version)

    # codes handed out by administrators (inside their unit of work) ----------

    async def issue(self, session: AsyncSession, account: Account, holder: Holder) -> IssuedCode:
        """A fresh activation code for a pending account; earlier unused ones stop working."""
        if account.kind not in ACTIVATED_KINDS:
            raise InvalidInput("identity.activation_not_applicable", pointer="/login")
        if account.status != "pending" or account.password_hash is not None:
            raise Conflict("identity.already_activated", login=account.login)
        now = self.login.now()
        repo = AccountRepository(session)
        await repo.revoke_open(account.id, now, purpose="create")
        code = codes.new_code(codes.CREATE_LENGTH)
        row = await repo.add_activation(
            Activation(
                account_id=account.id,
                purpose="create",
                code_hash=codes.create_hash(code),
                issued_by=holder.actor,
                issued_by_account=holder.account_id,
                expires_at=self._expiry(now),
            )
        )
        return IssuedCode(codes.grouped(code), row.expires_at, row.id)

    async def request_reset(
        self, session: AsyncSession, account: Account, holder: Holder, *, reason: str | None
    ) -> IssuedCode:
        """The first administrator's half of a reset; nothing changes until a second approves."""
        if account.kind not in ACTIVATED_KINDS:
            raise InvalidInput("identity.activation_not_applicable", pointer="/login")
        if holder.account_id == account.id:
            raise PermissionDenied("identity.reset_self")
        now = self.login.now()
        repo = AccountRepository(session)
        if any(r.account_id == account.id for r in await repo.open_resets(now)):
            raise Conflict("identity.reset_pending", login=account.login)
        half = codes.new_code(codes.HALF_LENGTH)
        row = await repo.add_activation(
            Activation(
                account_id=account.id,
                purpose="reset",
                code_hash=codes.half_hash(half),
                reason=printable(reason, 500) if reason else None,
                issued_by=holder.actor,
                issued_by_account=holder.account_id,
                expires_at=self._expiry(now),
            )
        )
        return IssuedCode(codes.grouped(half), row.expires_at, row.id)

    async def approve_reset(
        self, session: AsyncSession, row: Activation, account: Account, holder: Holder
    ) -> tuple[IssuedCode, int]:
        """The second administrator's half; the account's factors are cleared and its
        sessions ended. Returns the half and the account's new session version."""
        now = self.login.now()
        if row.approved_at is not None or row.revoked_at is not None or row.expires_at <= now:
            raise Conflict("identity.reset_closed")
        same_person = (
            holder.account_id is not None and holder.account_id == row.issued_by_account
        ) or (holder.account_id is None and holder.actor == row.issued_by)
        if same_person:
            raise PermissionDenied("identity.reset_same_admin")
        if holder.account_id == account.id:
            raise PermissionDenied("identity.reset_self")
        repo = AccountRepository(session)
        await repo.revoke_open(account.id, now, purpose="create")
        half = codes.new_code(codes.HALF_LENGTH)
        row.code_hash = codes.reset_hash(row.code_hash, half)
        row.approved_by = holder.actor
        row.approved_by_account = holder.account_id
        row.approved_at = now
        row.expires_at = self._expiry(now)
        if account.password_hash is not None:  # the person may not go back to it
            account.password_history = ([account.password_hash, *(account.password_history or [])])[
                : self.login.password_age.history
            ]
        account.password_hash = None
        account.totp_secret_enc = None
        account.totp_pending_enc = None
        account.totp_pending_at = None
        account.status = "pending"
        account.failed_logins = 0
        account.locked_until = None
        version = await self._end_sessions(session, account)
        await session.flush()
        return IssuedCode(codes.grouped(half), row.expires_at, row.id), version

    # the person's own steps (public routes) ----------------------------------

    async def _pending(
        self, session: AsyncSession, login: str, code: str
    ) -> tuple[Account | None, Activation | None, str]:
        """The account and its usable code when `code` is right; the refusal's reason else."""
        kind = kind_of_login(login)
        account = None
        if kind in ACTIVATED_KINDS:
            account = await self.accounts.find(session, kind, login)
        row = None
        if account is not None and account.status == "pending":
            row = await AccountRepository(session).usable_activation(account.id, self.login.now())
        right = codes.matches(
            row.purpose if row else "create", row.code_hash if row else _NO_CODE_HASH, code
        )
        if account is None:
            return None, None, "unknown_login"
        if row is None:
            return account, None, "no_usable_code"
        if not right:
            return account, None, "bad_code"
        return account, row, ""

    def _activation_failed(self) -> NotAuthenticated:
        return NotAuthenticated("identity.activation_failed")

    async def activate(
        self, uow: UnitOfWork, login: str, code: str, password: str, *, ip: str
    ) -> ActivationStarted | SignedIn:
        """Step 2: the person's own password; staff receive their TOTP URI."""
        key = await self.login.screen(uow, "identity.activation", login, ip)
        actor = claimant(login)
        problem: InvalidInput | NotAuthenticated | None = None
        started: ActivationStarted | None = None
        async with uow.independent() as session:
            account, row, reason = await self._pending(session, login, code)
            if row is None or account is None:
                problem = self._activation_failed()
            else:
                problem = self._password_problem(account, password)
                reason = "weak_password" if problem is not None else "password_set"
            if problem is None and account is not None and row is not None:
                hashed = self.accounts.hashing.hash(password)
                if account.kind == "staff":
                    secret = new_secret()
                    row.pending_password_hash = hashed
                    row.pending_totp_enc = self.accounts.seal_totp(secret)
                    started = ActivationStarted(provisioning_uri(secret, account.login))
                else:
                    self._install(account, row, hashed, None)
                    reason = "activated"
            await self.login.audit_attempt(
                session,
                actor=actor,
                action="identity.activation",
                account=account,
                outcome="failure" if problem is not None else "success",
                reason=reason,
                ip=ip,
            )
        if isinstance(problem, NotAuthenticated):
            await self.login.throttle.failed(key, ip)
        if problem is not None:
            raise problem
        await self.login.throttle.succeeded(key, ip)
        if started is not None:
            return started
        assert account is not None
        return await self.login.start(account, second_factor=False)

    async def confirm(
        self, uow: UnitOfWork, login: str, code: str, password: str, totp: str, *, ip: str
    ) -> SignedIn:
        """Step 3 for staff: a code from the new authenticator installs both factors."""
        key = await self.login.screen(uow, "identity.activation", login, ip)
        actor = claimant(login)
        async with uow.independent() as session:
            account, row, reason = await self._pending(session, login, code)
            ok = False
            if account is not None and row is not None:
                ok, reason = await self._confirmed(account, row, password, totp)
            await self.login.audit_attempt(
                session,
                actor=actor,
                action="identity.activation",
                account=account,
                outcome="success" if ok else "failure",
                reason=reason,
                ip=ip,
            )
        if not ok or account is None:
            await self.login.throttle.failed(key, ip)
            raise self._activation_failed()
        await self.login.throttle.succeeded(key, ip)
        return await self.login.start(account, second_factor=True)

    async def _confirmed(
        self, account: Account, row: Activation, password: str, totp: str
    ) -> tuple[bool, str]:
        if row.pending_password_hash is None or row.pending_totp_enc is None:
            self.accounts.hashing.verify(None, password)
            return False, "not_started"
        if not self.accounts.hashing.verify(row.pending_password_hash, password):
            return False, "bad_password"
        secret = self.accounts.open_totp(row.pending_totp_enc)
        step = self.login.totp.step_of(secret, totp)
        if step is None:
            return False, "bad_totp"
        if not await self.login.totp.consume(used_key(account.id, secret), step):
            return False, "totp_reused"
        self._install(account, row, row.pending_password_hash, row.pending_totp_enc)
        return True, "activated"

    def _install(
        self, account: Account, row: Activation, password_hash: str, totp_enc: str | None
    ) -> None:
        now = self.login.now()
        account.password_hash = password_hash
        account.password_changed_at = now
        account.totp_secret_enc = totp_enc
        account.status = "active"
        account.failed_logins = 0
        account.locked_until = None
        account.last_login_at = now
        row.used_at = now
        row.pending_password_hash = None
        row.pending_totp_enc = None

    def _password_problem(self, account: Account, password: str) -> InvalidInput | None:
        """The policy's refusal of a new password, or a repeat of a recent one."""
        normalised, _ = normalise_login(account.kind, account.login)
        try:
            self.accounts.hashing.policy.check(password, login=normalised)
        except InvalidInput as exc:
            return exc
        recent = [account.password_hash] if account.password_hash else []
        recent += list(account.password_history or [])[: self.login.password_age.history]
        if any(self.accounts.hashing.verify(h, password) for h in recent):
            return InvalidInput(
                "identity.password_reused",
                pointer="/new_password",
                count=self.login.password_age.history,
            )
        return None

    # the signed-in person's own changes ---------------------------------------

    async def _reauthenticated(
        self,
        uow: UnitOfWork,
        signed: Session,
        action: str,
        password: str,
        totp: str | None,
        ip: str,
    ) -> Account:
        """The account, once its current password (and TOTP code for staff) proved it is
        its owner acting; a failure counts like a failed sign-in and is audited."""
        key = await self.login.screen(uow, action, signed.login, ip)
        async with uow.independent() as session:
            account = await self.accounts.get(session, signed.account_id)
            reason = "unknown_account"
            if account is not None:
                reason = await self._proves(account, password, totp)
            ok = reason == "reauthenticated"
            if not ok:
                await self.login.audit_attempt(
                    session,
                    actor=person(signed.login),
                    action=action,
                    account=account,
                    outcome="failure",
                    reason=reason,
                    ip=ip,
                )
        if not ok or account is None:
            await self.login.throttle.failed(key, ip)
            raise PermissionDenied("identity.reauthentication_failed")
        return account

    async def _proves(self, account: Account, password: str, totp: str | None) -> str:
        now = self.login.now()
        password_ok = self.accounts.hashing.verify(account.password_hash, password)
        if account.status != "active":
            return "disabled"
        if not password_ok:
            return self.login.count_failure(account, now, "bad_password")
        if account.kind != "staff":
            return "reauthenticated"
        secret = self.accounts.totp_secret(account)
        step = self.login.totp.step_of(secret, totp or "") if secret else None
        if step is None or secret is None:
            return self.login.count_failure(account, now, "bad_totp")
        if not await self.login.totp.consume(used_key(account.id, secret), step):
            return self.login.count_failure(account, now, "totp_reused")
        return "reauthenticated"

    async def _replace_session(self, token: str, account: Account) -> SignedIn:
        await self.login.session_store.delete(token)
        return await self.login.start(account, second_factor=account.kind == "staff")

    async def change_password(
        self,
        uow: UnitOfWork,
        signed: Session,
        token: str,
        *,
        current: str,
        totp: str | None,
        new: str,
        ip: str,
    ) -> SignedIn:
        """A new password; every other session of the account ends, this one is renewed."""
        checked = await self._reauthenticated(
            uow, signed, "identity.password_change", current, totp, ip
        )
        async with uow.independent() as session:
            account = await AccountRepository(session).locked(checked.id)
            assert account is not None
            problem = self._password_problem(account, new)
            version = account.session_version
            if problem is None:
                history = [account.password_hash] if account.password_hash else []
                account.password_history = (history + list(account.password_history or []))[
                    : self.login.password_age.history
                ]
                account.password_hash = self.accounts.hashing.hash(new)
                account.password_changed_at = self.login.now()
                version = await self._end_sessions(session, account)
            await self.login.audit_attempt(
                session,
                actor=person(signed.login),
                action="identity.password_change",
                account=account,
                outcome="failure" if problem else "success",
                reason=problem.code if problem else "changed",
                ip=ip,
            )
        if problem is not None:
            raise problem
        await self.announce(account.id, version)
        return await self._replace_session(token, account)

    async def start_totp(
        self, uow: UnitOfWork, signed: Session, *, password: str, totp: str, ip: str
    ) -> ActivationStarted:
        """A new TOTP secret for staff, pending until a code from it confirms it."""
        if signed.kind != "staff":
            raise InvalidInput("identity.totp_not_applicable", pointer="/totp")
        checked = await self._reauthenticated(
            uow, signed, "identity.totp_enrol", password, totp, ip
        )
        secret = new_secret()
        async with uow.independent() as session:
            account = await AccountRepository(session).locked(checked.id)
            assert account is not None
            account.totp_pending_enc = self.accounts.seal_totp(secret)
            account.totp_pending_at = self.login.now()
            await self.login.audit_attempt(
                session,
                actor=person(signed.login),
                action="identity.totp_enrol",
                account=account,
                outcome="success",
                reason="pending",
                ip=ip,
            )
        return ActivationStarted(provisioning_uri(secret, account.login))

    async def confirm_totp(
        self, uow: UnitOfWork, signed: Session, token: str, *, totp: str, ip: str
    ) -> SignedIn:
        """The new secret replaces the old once a code from it arrives in time."""
        key = await self.login.screen(uow, "identity.totp_enrol", signed.login, ip)
        async with uow.independent() as session:
            account = await AccountRepository(session).locked(signed.account_id)
            reason = "not_started"
            version = 0
            if account is not None and account.totp_pending_enc and account.totp_pending_at:
                reason = "expired"
                fresh = self.login.now() - account.totp_pending_at < timedelta(
                    minutes=TOTP_PENDING_MINUTES
                )
                secret = self.accounts.open_totp(account.totp_pending_enc)
                step = self.login.totp.step_of(secret, totp)
                if fresh:
                    reason = "bad_totp" if step is None else "confirmed"
                if (
                    step is not None
                    and fresh
                    and not await self.login.totp.consume(used_key(account.id, secret), step)
                ):
                    reason = "totp_reused"
                if reason == "confirmed":
                    account.totp_secret_enc = account.totp_pending_enc
                    account.totp_pending_enc = None
                    account.totp_pending_at = None
                    version = await self._end_sessions(session, account)
            await self.login.audit_attempt(
                session,
                actor=person(signed.login),
                action="identity.totp_enrol",
                account=account,
                outcome="success" if reason == "confirmed" else "failure",
                reason=reason,
                ip=ip,
            )
        if reason != "confirmed" or account is None:
            await self.login.throttle.failed(key, ip)
            raise InvalidInput("identity.totp_invalid", pointer="/totp")
        await self.announce(account.id, version)
        return await self._replace_session(token, account)

    # what the grant check needs ------------------------------------------------

    @staticmethod
    async def holders(session: AsyncSession, account_id: int) -> list[Holder]:
        """Everyone who ever held a code, or half of one, of the account."""
        return [
            Holder(actor, holder_id)
            for actor, holder_id in await AccountRepository(session).holders(account_id)
        ]
