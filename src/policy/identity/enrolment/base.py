"""The shapes enrolment hands out and what all its steps share: the code's expiry,
ending an account's sessions, and the password policy with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import InvalidInput
from yiwang.policy.identity import activation_codes as codes
from yiwang.policy.identity.account_versions import AccountVersions
from yiwang.policy.identity.accounts import normalise_login
from yiwang.policy.identity.login import LoginService
from yiwang.policy.identity.models import Account, Activation
from yiwang.policy.identity.repository import AccountRepository


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


class EnrolmentBase:
    """What every step stands on: sign-in (its clock, throttle, audit, sessions), the
    accounts, and the session versions announced after a change of factor."""

    def __init__(
        self, login: LoginService, versions: AccountVersions, *, activation_hours: int = 72
    ) -> None:
        self.login = login
        self.accounts = login.accounts
        self.versions = versions
        self.activation_hours = activation_hours

    def _expiry(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.activation_hours)

    async def _hand_out(
        self,
        repo: AccountRepository,
        account: Account,
        holder: Holder,
        now: datetime,
        *,
        purpose: str,
        code: str,
        code_hash: str,
        reason: str | None = None,
    ) -> IssuedCode:
        """Store a new code's row (its hash, who holds it, when it expires); the code as shown."""
        row = await repo.add_activation(
            Activation(
                account_id=account.id,
                purpose=purpose,
                code_hash=code_hash,
                reason=reason,
                issued_by=holder.actor,
                issued_by_account=holder.account_id,
                expires_at=self._expiry(now),
            )
        )
        return IssuedCode(codes.grouped(code), row.expires_at, row.id)

    async def _end_sessions(self, session: AsyncSession, account: Account) -> int:
        return await AccountRepository(session).bump_version(account)

    async def announce(self, account_id: int, version: int) -> None:
        """After the change committed: every worker's guard sees the new version."""
        await self.versions.publish(account_id, version)

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

    def _retire_password(self, account: Account) -> None:
        """The current password joins the recent ones the person may not reuse."""
        history = [account.password_hash] if account.password_hash else []
        account.password_history = (history + list(account.password_history or []))[
            : self.login.password_age.history
        ]
