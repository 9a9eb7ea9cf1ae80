"""Reading records: one record (personal data in full only for a viewer who may see
it, and then audited) and its history.
"""

from __future__ import annotations

from collections.abc import Sequence

from yiwang.runtime.records.repository import HistoryRow, StoredRecord
from yiwang.runtime.records.service.base import AUDIT_OBJECT, RecordBase
from yiwang.runtime.records.views import PLATFORM, HistoryEntry, RecordView, Viewer


class RecordReads(RecordBase):
    """Reads of one record and its history."""

    async def get(self, type_key: str, record_id: int, *, viewer: Viewer = PLATFORM) -> RecordView:
        """One record; personal data in full only for a viewer who may see it (audited)."""
        model = await self.model()
        document = self.item_document(model, type_key)
        stored = await self._stored(type_key, record_id, viewer)
        view = self.view(stored, document, model, reveal=viewer.sees_pii)
        if view.personal == "full" and viewer is not PLATFORM:
            await self.audit_reveal([stored])
        return view

    async def history(
        self, type_key: str, record_id: int, *, viewer: Viewer = PLATFORM
    ) -> list[HistoryEntry]:
        model = await self.model()
        self.item_document(model, type_key)
        await self._stored(type_key, record_id, viewer)
        rows: list[HistoryRow] = await self.repo.history(self.tenant.id, record_id)
        return [HistoryEntry(r.id, r.version, r.action, r.actor, r.at, r.changes) for r in rows]

    async def audit_reveal(self, stored: Sequence[StoredRecord]) -> None:
        """Seeing personal data in full is on record: who, which records, when."""
        if not stored:
            return
        first = stored[0]
        await self.uow.audit(
            action="record.pii_revealed",
            object_type=AUDIT_OBJECT,
            object_id=f"{first.type_key}/{first.id}" if len(stored) == 1 else first.type_key,
            tenant_id=first.tenant_id,
            detail={"type": first.type_key, "ids": [s.id for s in stored]},
        )
