"""Step 1: the activation code an account's creator receives (never a password or
a TOTP secret), and who ever held a code of an account, for the grant check."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.policy.identity import activation_codes as codes
from yiwang.policy.identity.accounts import ACTIVATED_KINDS
from yiwang.policy.identity.enrolment.base import EnrolmentBase, Holder, IssuedCode
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.repository import AccountRepository


class CodeIssue(EnrolmentBase):
    """Codes handed out by administrators, inside their unit of work."""

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
        return await self._hand_out(
            repo,
            account,
            holder,
            now,
            purpose="create",
            code=code,
            code_hash=codes.create_hash(code),
        )

    @staticmethod
    async def holders(session: AsyncSession, account_id: int) -> list[Holder]:
        """Everyone who ever held a code, or half of one, of the account."""
        return [
            Holder(actor, holder_id)
            for actor, holder_id in await AccountRepository(session).holders(account_id)
        ]
