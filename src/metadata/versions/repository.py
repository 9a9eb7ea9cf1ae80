"""The SQL of metadata: versions, drafts, effective models, the generation.

Every query is scoped by the transaction's tenant context (row-level
security). Resolution must read the published versions of a tenant's
ancestors, and an impact preview those of its descendants; those reads widen
the scope for the one query, through `published_scope`, the only place where
metadata crosses tenants, and restore it afterwards.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.versions.models import (
    GENERATION_SEQUENCE,
    EffectiveVersion,
    MetadataDraft,
    MetadataState,
    MetadataVersion,
)
from yiwang.platform.tenant_context import widened_scope


@asynccontextmanager
async def published_scope(
    session: AsyncSession, acting_tenant_id: int, tenant_ids: Iterable[int]
) -> AsyncIterator[None]:
    """Let the transaction see `tenant_ids` for reading published metadata, then restore.

    Published base models and overlays of a tenant's ancestors are what its
    own model is made of, and a publisher must see the overlays below it to
    preview the impact; nothing else is read under this scope.
    """
    async with widened_scope(session, acting_tenant_id, tenant_ids):
        yield


class MetadataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, tenant_id: int) -> MetadataVersion | None:
        return await self.session.scalar(
            select(MetadataVersion).where(
                MetadataVersion.tenant_id == tenant_id, MetadataVersion.status == "current"
            )
        )

    async def current_of(self, tenant_ids: Sequence[int]) -> dict[int, MetadataVersion]:
        """Current versions of several tenants (the caller widened the scope to them)."""
        rows = await self.session.scalars(
            select(MetadataVersion).where(
                MetadataVersion.tenant_id.in_(list(tenant_ids)),
                MetadataVersion.status == "current",
            )
        )
        return {row.tenant_id: row for row in rows}

    async def version(self, tenant_id: int, version_id: int) -> MetadataVersion | None:
        return await self.session.scalar(
            select(MetadataVersion).where(
                MetadataVersion.tenant_id == tenant_id, MetadataVersion.id == version_id
            )
        )

    async def history(self, tenant_id: int) -> list[MetadataVersion]:
        rows = await self.session.scalars(
            select(MetadataVersion)
            .where(MetadataVersion.tenant_id == tenant_id)
            .order_by(MetadataVersion.number.desc())
        )
        return list(rows)

    async def next_number(self, tenant_id: int) -> int:
        highest = await self.session.scalar(
            select(func.max(MetadataVersion.number)).where(MetadataVersion.tenant_id == tenant_id)
        )
        return int(highest or 0) + 1

    async def add_version(
        self,
        *,
        tenant_id: int,
        kind: str,
        content: dict[str, Any],
        content_hash: str,
        based_on: list[dict[str, Any]],
        actor: str,
        note: str | None,
    ) -> MetadataVersion:
        """Supersede the current version (if any) and insert the new one as current."""
        current = await self.current(tenant_id)
        if current is not None:
            current.status = "superseded"
            await self.session.flush()
        version = MetadataVersion(
            tenant_id=tenant_id,
            number=await self.next_number(tenant_id),
            kind=kind,
            status="current",
            content=content,
            content_hash=content_hash,
            previous_id=current.id if current is not None else None,
            based_on=based_on,
            note=note,
            published_by=actor,
        )
        self.session.add(version)
        await self.session.flush()
        return version

    async def roll_back(self, current: MetadataVersion, previous: MetadataVersion) -> None:
        current.status = "rolled_back"
        await self.session.flush()
        previous.status = "current"
        await self.session.flush()

    async def draft(self, tenant_id: int) -> MetadataDraft | None:
        return await self.session.scalar(
            select(MetadataDraft).where(MetadataDraft.tenant_id == tenant_id)
        )

    async def save_draft(
        self, tenant_id: int, content: dict[str, Any], based_on_id: int | None, actor: str
    ) -> MetadataDraft:
        draft = await self.draft(tenant_id)
        if draft is None:
            draft = MetadataDraft(
                tenant_id=tenant_id, content=content, based_on_id=based_on_id, updated_by=actor
            )
            self.session.add(draft)
        else:
            draft.content = content
            draft.based_on_id = based_on_id
            draft.updated_by = actor
        await self.session.flush()
        return draft

    async def drop_draft(self, tenant_id: int) -> None:
        await self.session.execute(
            delete(MetadataDraft).where(MetadataDraft.tenant_id == tenant_id)
        )

    async def effective_id(
        self, tenant_id: int, content_hash: str, chain: list[dict[str, Any]]
    ) -> int:
        """The id of an effective model, recorded the first time a record needs it."""
        found = await self.session.scalar(
            select(EffectiveVersion.id).where(
                EffectiveVersion.tenant_id == tenant_id,
                EffectiveVersion.content_hash == content_hash,
            )
        )
        if found is not None:
            return int(found)
        await self.session.execute(
            text(
                "INSERT INTO metadata_effective (tenant_id, content_hash, chain)"
                " VALUES (:tenant_id, :hash, CAST(:chain AS jsonb))"
                " ON CONFLICT (tenant_id, content_hash) DO NOTHING"
            ),
            {"tenant_id": tenant_id, "hash": content_hash, "chain": json.dumps(chain)},
        )
        made = await self.session.scalar(
            select(EffectiveVersion.id).where(
                EffectiveVersion.tenant_id == tenant_id,
                EffectiveVersion.content_hash == content_hash,
            )
        )
        return int(made)  # type: ignore[arg-type]

    async def generation(self) -> int:
        value = await self.session.scalar(select(MetadataState.generation))
        return int(value or 0)

    async def bump_generation(self) -> int:
        # from a sequence, so a rolled-back publish never hands its number to another
        value = await self.session.scalar(
            update(MetadataState)
            .where(MetadataState.id == 1)
            .values(generation=func.nextval(GENERATION_SEQUENCE))
            .returning(MetadataState.generation)
        )
        return int(value)  # type: ignore[arg-type]
