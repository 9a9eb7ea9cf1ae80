"""A record's history: one row per version, who changed which field from what to what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from yiwang.runtime.records.repository.base import RepositoryBase
from yiwang.runtime.records.repository.rows import HistoryRow, jsonb

#: statements built once (a `text()` parses its SQL for parameters when made)
_ADD_HISTORY = text(
    "INSERT INTO record_history (tenant_id, record_id, version, action, actor, changes)"
    " VALUES (:tenant_id, :record_id, :version, :action, :actor,"
    " CAST(:changes AS jsonb))"
)
_HISTORY = text(
    "SELECT id, version, action, actor, at, changes FROM record_history"
    " WHERE tenant_id = :tenant_id AND record_id = :record_id ORDER BY id"
)


class RecordHistory(RepositoryBase):
    """The statements of `record_history`."""

    async def add_history(
        self,
        tenant_id: int,
        record_id: int,
        version: int,
        action: str,
        actor: str,
        changes: list[dict[str, Any]],
    ) -> None:
        await self.session.execute(
            _ADD_HISTORY,
            {
                "tenant_id": tenant_id,
                "record_id": record_id,
                "version": version,
                "action": action,
                "actor": actor,
                "changes": jsonb(changes),
            },
        )

    async def history(self, tenant_id: int, record_id: int) -> list[HistoryRow]:
        rows = await self.session.execute(
            _HISTORY,
            {"tenant_id": tenant_id, "record_id": record_id},
        )
        return [HistoryRow(r.id, r.version, r.action, r.actor, r.at, r.changes) for r in rows]
