"""The outbox room's SQL: the rows due for delivery, and their outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class PendingRow:
    id: int
    case_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    #: the applicant's contact as the case's form data holds it now
    phone: str | None
    email: str | None


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tenants_pending(
        self, tenant_ids: Sequence[int], now: datetime, max_attempts: int
    ) -> list[int]:
        """The tenants, among those visible, with a row due (a cross-tenant read, named so:
        one probe of the pending index per tenant)."""
        result = await self.session.execute(
            text(
                "SELECT t.id FROM unnest(CAST(:ids AS bigint[])) AS t(id) WHERE EXISTS ("
                " SELECT 1 FROM case_outbox o WHERE o.tenant_id = t.id"
                " AND o.delivered_at IS NULL AND o.attempts < :max"
                " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= :now))"
            ),
            {"ids": list(tenant_ids), "now": now, "max": max_attempts},
        )
        return [int(r[0]) for r in result]

    async def take(
        self, tenant_id: int, now: datetime, max_attempts: int, limit: int
    ) -> list[PendingRow]:
        """Lock up to `limit` due rows, oldest first; rows another run holds are skipped, so
        two runs at once never send one row twice."""
        result = await self.session.execute(
            text(
                "SELECT o.id, o.case_id, o.kind, o.payload, o.attempts,"
                " c.form_data->>'contact_phone', c.form_data->>'email'"
                " FROM case_outbox o JOIN cases c"
                " ON c.tenant_id = o.tenant_id AND c.id = o.case_id"
                " WHERE o.tenant_id = :tenant AND o.delivered_at IS NULL"
                " AND o.attempts < :max"
                " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= :now)"
                " ORDER BY o.id LIMIT :limit FOR UPDATE OF o SKIP LOCKED"
            ),
            {"tenant": tenant_id, "now": now, "max": max_attempts, "limit": limit},
        )
        return [
            PendingRow(int(r[0]), int(r[1]), str(r[2]), dict(r[3]), int(r[4]), r[5], r[6])
            for r in result
        ]

    async def delivered(self, tenant_id: int, ids: Sequence[int], at: datetime) -> None:
        if ids:
            await self.session.execute(
                text(
                    "UPDATE case_outbox SET delivered_at = :at"
                    " WHERE tenant_id = :tenant AND id = ANY(CAST(:ids AS bigint[]))"
                ),
                {"tenant": tenant_id, "ids": list(ids), "at": at},
            )

    async def failed(self, tenant_id: int, row_id: int, retry_at: datetime, error: str) -> None:
        await self.session.execute(
            text(
                "UPDATE case_outbox SET attempts = attempts + 1, next_attempt_at = :retry,"
                " last_error = :error WHERE tenant_id = :tenant AND id = :id"
            ),
            {"tenant": tenant_id, "id": row_id, "retry": retry_at, "error": error[:200]},
        )
