"""Steps 2 and 3 (public routes): the person activates with login, code and a
password of their own; staff confirm with a code from their new authenticator.
Every failure answers `identity.activation_failed` and is throttled like a
sign-in, whatever its reason; the audit row keeps the reason."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import InvalidInput, NotAuthenticated
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity import activation_codes as codes
from yiwang.policy.identity.accounts import ACTIVATED_KINDS, kind_of_login
from yiwang.policy.identity.enrolment.base import ActivationStarted, EnrolmentBase
from yiwang.policy.identity.login import SignedIn, claimant
from yiwang.policy.identity.models import Account, Activation
from yiwang.policy.identity.repository import AccountRepository
from yiwang.policy.identity.totp import new_secret, provisioning_uri, used_key

#: compared against when no activation matches, so every attempt costs a hash comparison
_NO_CODE_HASH = codes.create_hash(codes.new_code(codes.CREATE_LENGTH))


class SelfActivation(EnrolmentBase):
    """The person's own first steps with the code they were given."""

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
