"""The SQL of the account lifecycle: activation codes, session versions, holders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.policy.identity.models import Account, Activation


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def locked(self, account_id: int) -> Account | None:
        """The account, its row locked until the transaction ends (lifecycle changes)."""
        found: Account | None = await self.session.scalar(
            select(Account).where(Account.id == account_id).with_for_update()
        )
        return found

    async def bump_version(self, account: Account) -> int:
        """End every session of the account: returns its new session version."""
        version = int(
            (
                await self.session.execute(
                    update(Account)
                    .where(Account.id == account.id)
                    .values(session_version=Account.session_version + 1)
                    .returning(Account.session_version)
                )
            ).scalar_one()
        )
        account.session_version = version
        return version

    # activation codes ---------------------------------------------------------

    async def add_activation(self, activation: Activation) -> Activation:
        self.session.add(activation)
        await self.session.flush()
        return activation

    async def usable_activation(self, account_id: int, now: datetime) -> Activation | None:
        """The account's code that may activate it now (a reset only once approved)."""
        found: Activation | None = await self.session.scalar(
            select(Activation)
            .where(
                Activation.account_id == account_id,
                Activation.used_at.is_(None),
                Activation.revoked_at.is_(None),
                Activation.expires_at > now,
                or_(Activation.purpose == "create", Activation.approved_at.is_not(None)),
            )
            .order_by(Activation.id.desc())
            .limit(1)
            .with_for_update()
        )
        return found

    async def revoke_open(self, account_id: int, now: datetime, *, purpose: str | None) -> int:
        """Revoke the account's unused codes (of one purpose, or all); returns how many."""
        query = update(Activation).where(
            Activation.account_id == account_id,
            Activation.used_at.is_(None),
            Activation.revoked_at.is_(None),
        )
        if purpose is not None:
            query = query.where(Activation.purpose == purpose)
        result = await self.session.execute(query.values(revoked_at=now))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def reset_request(self, reset_id: int) -> Activation | None:
        found: Activation | None = await self.session.scalar(
            select(Activation)
            .where(Activation.id == reset_id, Activation.purpose == "reset")
            .with_for_update()
        )
        return found

    async def open_resets(self, now: datetime) -> list[Activation]:
        """Resets requested and neither approved, revoked nor expired, oldest first."""
        rows = await self.session.scalars(
            select(Activation)
            .where(
                Activation.purpose == "reset",
                Activation.approved_at.is_(None),
                Activation.revoked_at.is_(None),
                Activation.expires_at > now,
            )
            .order_by(Activation.id)
        )
        return list(rows)

    async def holders(self, account_id: int) -> list[tuple[str, int | None]]:
        """Everyone who ever held one of the account's codes, or half of one."""
        rows = await self.session.scalars(
            select(Activation).where(Activation.account_id == account_id)
        )
        return [holder for row in rows for holder in row.holders()]
