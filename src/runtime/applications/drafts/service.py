"""Drafts in the request's unit of work: keep, resume, drop and list one citizen's drafts.

A draft is as large as a form: its values are capped so that 保存草稿 cannot be
used to store anything else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import msgspec

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.applications.drafts.repository import DraftRepository
from yiwang.runtime.applications.errors import DraftTooLarge

#: what one draft may hold (the JSON of its values and attachments)
MAX_DRAFT_BYTES: Final = 256 * 1024


@dataclass(frozen=True)
class SavedDraft:
    service_item_id: int
    values: dict[str, list[str]]
    attachments: dict[str, list[dict[str, Any]]]
    updated_at: datetime


class Drafts:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = DraftRepository(uow.session)

    async def save(
        self,
        tenant_id: int,
        account_id: int,
        service_item_id: int,
        values: Mapping[str, Sequence[str]],
        attachments: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> None:
        kept = {k: [str(v) for v in vs] for k, vs in values.items()}
        files = {k: [dict(a) for a in refs] for k, refs in attachments.items() if refs}
        if len(msgspec.json.encode([kept, files])) > MAX_DRAFT_BYTES:
            raise DraftTooLarge("applications.draft_too_large", max=MAX_DRAFT_BYTES // 1024)
        await self.repo.put(tenant_id, account_id, service_item_id, kept, files)

    async def get(self, tenant_id: int, account_id: int, service_item_id: int) -> SavedDraft | None:
        found = await self.repo.get(tenant_id, account_id, service_item_id)
        if found is None:
            return None
        return SavedDraft(found.service_item_id, found.values, found.attachments, found.updated_at)

    async def drop(self, tenant_id: int, account_id: int, service_item_id: int) -> None:
        await self.repo.remove(tenant_id, account_id, service_item_id)

    async def mine(self, tenant_id: int, account_id: int, limit: int = 50) -> list[SavedDraft]:
        rows = await self.repo.mine(tenant_id, account_id, limit)
        return [SavedDraft(r.service_item_id, r.values, r.attachments, r.updated_at) for r in rows]
