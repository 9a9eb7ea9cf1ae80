"""Ids and idempotency keys: a fresh record id, the claim of a key (with the live
version of a watched record), the first answer kept and read back, old keys purged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import text

from yiwang.runtime.records.repository.base import RepositoryBase
from yiwang.runtime.records.repository.rows import Claim, IdempotentAnswer, jsonb

#: statements built once (a `text()` parses its SQL for parameters when made)
_NEXT_ID = text("SELECT nextval('records_id_seq')")
_NEXT_IDS = text("SELECT nextval('records_id_seq') FROM generate_series(1, :n)")
_CLAIM = text(
    "WITH claim AS (INSERT INTO record_idempotency"
    " (tenant_id, actor, key, request_hash)"
    " VALUES (:tenant_id, :actor, :key, :hash)"
    " ON CONFLICT (tenant_id, actor, key) DO NOTHING RETURNING 1)"
    " SELECT nextval('records_id_seq') AS id, EXISTS (SELECT 1 FROM claim) AS won,"
    " (SELECT version FROM records WHERE tenant_id = :tenant_id"
    " AND id = CAST(:watch AS bigint) AND deleted_at IS NULL) AS watched"
)
_ANSWER = text(
    "SELECT request_hash, record_id, status_code, response FROM record_idempotency"
    " WHERE tenant_id = :tenant_id AND actor = :actor AND key = :key"
)
_REMEMBER = text(
    "UPDATE record_idempotency SET record_id = :record_id, status_code = :status,"
    " response = CAST(:response AS jsonb)"
    " WHERE tenant_id = :tenant_id AND actor = :actor AND key = :key"
)
_PURGE_ANSWERS = text(
    "DELETE FROM record_idempotency WHERE tenant_id = :tenant_id AND created_at < :before"
)


class IdempotencyClaims(RepositoryBase):
    """Record ids and the idempotency keys of creates."""

    async def next_id(self) -> int:
        return int(await self.session.scalar(_NEXT_ID) or 0)

    async def next_ids(self, count: int) -> list[int]:
        rows = await self.session.scalars(_NEXT_IDS, {"n": count})
        return [int(r) for r in rows]

    async def claim(
        self,
        tenant_id: int,
        actor: str,
        key: str,
        request_hash: str,
        *,
        watch: int | None = None,
    ) -> Claim:
        """A fresh record id, whether this request claimed `key` (False: it was used), and,
        for `watch`, the live version of that record (a cached service item's check).

        A concurrent request with the same key waits here until the first one
        commits or rolls back, then sees its answer (or claims the key itself).
        """
        row = (
            await self.session.execute(
                _CLAIM,
                {
                    "tenant_id": tenant_id,
                    "actor": actor,
                    "key": key,
                    "hash": request_hash,
                    "watch": watch,
                },
            )
        ).one()
        watched = int(row.watched) if row.watched is not None else None
        return Claim(int(row.id), bool(row.won), watched)

    async def answer(self, tenant_id: int, actor: str, key: str) -> IdempotentAnswer | None:
        row = (
            await self.session.execute(
                _ANSWER,
                {"tenant_id": tenant_id, "actor": actor, "key": key},
            )
        ).one_or_none()
        if row is None:
            return None
        return IdempotentAnswer(row.request_hash, row.record_id, row.status_code, row.response)

    async def remember(
        self,
        tenant_id: int,
        actor: str,
        key: str,
        record_id: int,
        status_code: int,
        response: Mapping[str, Any],
    ) -> None:
        await self.session.execute(
            _REMEMBER,
            {
                "tenant_id": tenant_id,
                "actor": actor,
                "key": key,
                "record_id": record_id,
                "status": status_code,
                "response": jsonb(response),
            },
        )

    async def purge_answers(self, tenant_id: int, before: datetime) -> int:
        result = await self.session.execute(
            _PURGE_ANSWERS,
            {"tenant_id": tenant_id, "before": before},
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
