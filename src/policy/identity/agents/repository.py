"""The SQL of 经办人: who may act for which enterprise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.policy.identity.models import Account, LegalAgent


@dataclass(frozen=True)
class Named:
    """One side of a grant as a list shows it: the other account and when it was made."""

    account: Account
    granted_at: datetime


class AgentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def grant(self, legal_id: int, agent_id: int, granted_by: str) -> bool:
        """Name the agent; False when it was named already (nothing changes)."""
        result = await self.session.execute(
            insert(LegalAgent)
            .values(legal_id=legal_id, agent_id=agent_id, granted_by=granted_by)
            .on_conflict_do_nothing()
            .returning(LegalAgent.agent_id)
        )
        return result.scalar_one_or_none() is not None

    async def revoke(self, legal_id: int, agent_id: int) -> bool:
        result = await self.session.execute(
            delete(LegalAgent)
            .where(LegalAgent.legal_id == legal_id, LegalAgent.agent_id == agent_id)
            .returning(LegalAgent.agent_id)
        )
        return result.scalar_one_or_none() is not None

    async def holds(self, legal_id: int, agent_id: int) -> bool:
        found = await self.session.scalar(
            select(LegalAgent.agent_id).where(
                LegalAgent.legal_id == legal_id, LegalAgent.agent_id == agent_id
            )
        )
        return found is not None

    async def agents_of(self, legal_id: int) -> list[Named]:
        rows = await self.session.execute(
            select(Account, LegalAgent.granted_at)
            .join(LegalAgent, LegalAgent.agent_id == Account.id)
            .where(LegalAgent.legal_id == legal_id)
            .order_by(LegalAgent.granted_at, Account.id)
        )
        return [Named(account, at) for account, at in rows]

    async def enterprises_of(self, agent_id: int) -> list[Named]:
        rows = await self.session.execute(
            select(Account, LegalAgent.granted_at)
            .join(LegalAgent, LegalAgent.legal_id == Account.id)
            .where(LegalAgent.agent_id == agent_id, Account.status == "active")
            .order_by(Account.login)
        )
        return [Named(account, at) for account, at in rows]
