"""The signed-in person's own account: their profile and their real-name check."""

from __future__ import annotations

from typing import Any

from yiwang.platform.errors import Conflict, NotAuthenticated
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.realname import RealNameProvider
from yiwang.policy.identity.sessions import Session


class Profiles:
    def __init__(self, uow: UnitOfWork, accounts: Accounts, realname: RealNameProvider) -> None:
        self.uow = uow
        self.accounts = accounts
        self.realname = realname

    async def _account(self, session: Session) -> Account:
        account = await self.accounts.get(self.uow.session, session.account_id)
        if account is None:
            raise NotAuthenticated("auth.required")
        return account

    async def own(self, session: Session) -> dict[str, Any]:
        """The caller's profile, unmasked: it is their own."""
        return self.accounts.profile(await self._account(session), own=True)

    async def verify_real_name(
        self, session: Session, *, full_name: str, id_number: str
    ) -> dict[str, Any]:
        account = await self._account(session)
        try:
            result = await self.accounts.verify_real_name(
                self.uow.session, account, self.realname, full_name=full_name, id_number=id_number
            )
        except Conflict as exc:  # the number is another person's: on record, then refused
            await self.uow.audit_refusal(
                action="identity.realname",
                object_type="account",
                object_id=str(account.id),
                tenant_id=account.tenant_id,
                detail={"provider": self.realname.name, "error": exc.code},
            )
            raise
        await self.uow.audit(
            action="identity.realname",
            object_type="account",
            object_id=str(account.id),
            tenant_id=account.tenant_id,
            outcome="success" if result.verified else "failure",
            detail={
                "provider": result.provider,
                "checked": list(result.checked),
                "reference": result.reference,
            },
        )
        return {
            "verified": result.verified,
            "provider": result.provider,
            "checked": list(result.checked),
            "note": result.note,
        }
