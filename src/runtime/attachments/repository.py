"""The only SQL of attachments. Every query runs under the unit's tenant scope (RLS)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.attachments.models import Attachment


class AttachmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, attachment: Attachment) -> None:
        self.session.add(attachment)
        await self.session.flush()

    async def get(
        self, tenant_id: int, attachment_id: uuid.UUID, *, for_update: bool = False
    ) -> Attachment | None:
        query = select(Attachment).where(
            Attachment.tenant_id == tenant_id, Attachment.id == attachment_id
        )
        if for_update:
            query = query.with_for_update()
        found: Attachment | None = await self.session.scalar(query)
        return found

    async def by_key(self, tenant_id: int, key: str) -> Attachment | None:
        found: Attachment | None = await self.session.scalar(
            select(Attachment).where(Attachment.tenant_id == tenant_id, Attachment.key == key)
        )
        return found

    async def verified(
        self, tenant_id: int, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, str]]:
        """The name and verified type of each of `ids` that passed verification (one query
        for a case's materials)."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Attachment.id, Attachment.name, Attachment.content_type).where(
                Attachment.tenant_id == tenant_id,
                Attachment.id.in_(list(ids)),
                Attachment.status == "verified",
            )
        )
        return {r.id: (r.name, r.content_type or "") for r in rows}

    async def due_for_sweeping(
        self, now: datetime, pending_before: datetime, limit: int
    ) -> Sequence[Attachment]:
        """Across the visible tenants: forms expired before completion, incoming keys not
        yet cleared after their form expired, and verifications pending too long."""
        rows = await self.session.scalars(
            select(Attachment)
            .where(
                or_(
                    (Attachment.status == "awaiting_upload") & (Attachment.upload_expires_at < now),
                    (Attachment.status != "awaiting_upload")
                    & ~Attachment.incoming_cleared
                    & (Attachment.upload_expires_at < now),
                    (Attachment.status == "pending") & (Attachment.updated_at < pending_before),
                )
            )
            .order_by(Attachment.upload_expires_at)
            .limit(limit)
        )
        return rows.all()

    async def remove(self, tenant_id: int, attachment_id: uuid.UUID) -> int:
        result = await self.session.execute(
            delete(Attachment).where(
                Attachment.tenant_id == tenant_id,
                Attachment.id == attachment_id,
                Attachment.status == "awaiting_upload",
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
