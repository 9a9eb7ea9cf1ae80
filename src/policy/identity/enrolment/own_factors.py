"""Steps 4 and 5: the signed-in person changes their password or re-enrols TOTP,
after proving again that they are the account's owner (current password, and a
TOTP code for staff). Each change ends the account's other sessions and renews
this one."""

from __future__ import annotations

from datetime import timedelta

from yiwang.platform.errors import InvalidInput, PermissionDenied
from yiwang.platform.unit_of_work import UnitOfWork, person
from yiwang.policy.identity.enrolment.base import ActivationStarted, EnrolmentBase
from yiwang.policy.identity.login import SignedIn
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.repository import AccountRepository
from yiwang.policy.identity.sessions import Session
from yiwang.policy.identity.totp import new_secret, provisioning_uri, used_key

#: a TOTP secret being re-enrolled must be confirmed within this time
TOTP_PENDING_MINUTES = 15


class OwnFactors(EnrolmentBase):
    """The signed-in person's own changes of factor."""

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
                self._retire_password(account)
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
