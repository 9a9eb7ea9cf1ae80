"""Step 6: a reset for a person who lost a factor, in two halves held by two
different administrators; neither alone can activate the account."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.policy.identity import activation_codes as codes
from yiwang.policy.identity.accounts import ACTIVATED_KINDS
from yiwang.policy.identity.enrolment.base import EnrolmentBase, Holder, IssuedCode
from yiwang.policy.identity.inputs import printable
from yiwang.policy.identity.models import Account, Activation
from yiwang.policy.identity.repository import AccountRepository


class Resets(EnrolmentBase):
    """Request and approve a reset, inside the administrators' units of work."""

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
        return await self._hand_out(
            repo,
            account,
            holder,
            now,
            purpose="reset",
            code=half,
            code_hash=codes.half_hash(half),
            reason=printable(reason, 500) if reason else None,
        )

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
            self._retire_password(account)
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
