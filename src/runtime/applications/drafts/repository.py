"""The drafts' SQL; every statement names its tenant and account (RLS holds the tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.applications.drafts.models import Draft


class DraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: int, account_id: int, service_item_id: int) -> Draft | None:
        found: Draft | None = await self.session.scalar(
            select(Draft).where(
                Draft.tenant_id == tenant_id,
                Draft.account_id == account_id,
                Draft.service_item_id == service_item_id,
            )
        )
        return found

    async def put(
        self,
        tenant_id: int,
        account_id: int,
        service_item_id: int,
        values: dict[str, Any],
        attachments: dict[str, Any],
    ) -> None:
        stmt = insert(Draft).values(
            tenant_id=tenant_id,
            account_id=account_id,
            service_item_id=service_item_id,
            values=values,
            attachments=attachments,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                constraint="uq_application_drafts_owner",
                set_={"values": values, "attachments": attachments, "updated_at": func.now()},
            )
        )

    async def remove(self, tenant_id: int, account_id: int, service_item_id: int) -> None:
        await self.session.execute(
            delete(Draft).where(
                Draft.tenant_id == tenant_id,
                Draft.account_id == account_id,
                Draft.service_item_id == service_item_id,
            )
        )

    async def mine(self, tenant_id: int, account_id: int, limit: int) -> Sequence[Draft]:
        return (
            await self.session.scalars(
                select(Draft)
                .where(Draft.tenant_id == tenant_id, Draft.account_id == account_id)
                .order_by(Draft.updated_at.desc(), Draft.id.desc())
                .limit(limit)
            )
        ).all()
