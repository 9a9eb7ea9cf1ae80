"""The webhooks room's SQL: subscribers, and the deliveries due with their outcome."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.webhooks.models import Subscriber


@dataclass(frozen=True)
class DueDelivery:
    """One (subscriber, outbox row) to send now, with what the message needs."""

    subscriber_id: uuid.UUID
    outbox_id: int
    attempts: int
    url: str
    secret_sealed: str
    kind: str
    payload: dict[str, Any]
    occurred_at: datetime


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- subscribers ------------------------------------------------------------
    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(Subscriber).values(**values))

    async def subscribers(self, tenant_id: int) -> Sequence[Subscriber]:
        result = await self.session.scalars(
            select(Subscriber)
            .where(Subscriber.tenant_id == tenant_id)
            .order_by(Subscriber.created_at, Subscriber.id)
        )
        return result.all()

    async def subscriber(self, tenant_id: int, subscriber_id: uuid.UUID) -> Subscriber | None:
        return await self.session.scalar(
            select(Subscriber)
            .where(Subscriber.tenant_id == tenant_id, Subscriber.id == subscriber_id)
            .with_for_update()
        )

    async def change(self, tenant_id: int, subscriber_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(
            update(Subscriber)
            .where(Subscriber.tenant_id == tenant_id, Subscriber.id == subscriber_id)
            .values(**values)
        )

    # --- deliveries -------------------------------------------------------------
    async def tenants_due(
        self, tenant_ids: Sequence[int], now: datetime, max_attempts: int
    ) -> list[int]:
        """The tenants, among those visible, with a delivery due to an active subscriber (a
        cross-tenant read, named so: one probe of the pending index per tenant)."""
        result = await self.session.execute(
            text(
                "SELECT t.id FROM unnest(CAST(:ids AS bigint[])) AS t(id) WHERE EXISTS ("
                " SELECT 1 FROM webhook_deliveries d JOIN webhook_subscribers s"
                " ON s.tenant_id = d.tenant_id AND s.id = d.subscriber_id AND s.active"
                " WHERE d.tenant_id = t.id AND d.delivered_at IS NULL AND d.attempts < :max"
                " AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= :now))"
            ),
            {"ids": list(tenant_ids), "now": now, "max": max_attempts},
        )
        return [int(r[0]) for r in result]

    async def take(
        self, tenant_id: int, now: datetime, max_attempts: int, per_subscriber: int
    ) -> list[DueDelivery]:
        """Lock up to `per_subscriber` due deliveries of each active subscriber, oldest row
        first; rows another pass holds are skipped, so two passes never send one twice."""
        result = await self.session.execute(
            text(
                "SELECT d.subscriber_id, d.outbox_id, d.attempts, s.url, s.secret_sealed,"
                " o.kind, o.payload, o.created_at"
                " FROM webhook_subscribers s"
                " CROSS JOIN LATERAL ("
                "  SELECT d.subscriber_id, d.outbox_id, d.attempts FROM webhook_deliveries d"
                "  WHERE d.tenant_id = s.tenant_id AND d.subscriber_id = s.id"
                "  AND d.delivered_at IS NULL AND d.attempts < :max"
                "  AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= :now)"
                "  ORDER BY d.outbox_id LIMIT :limit FOR UPDATE SKIP LOCKED) d"
                " JOIN case_outbox o ON o.tenant_id = s.tenant_id AND o.id = d.outbox_id"
                " WHERE s.tenant_id = :tenant AND s.active"
                " ORDER BY d.subscriber_id, d.outbox_id"
            ),
            {"tenant": tenant_id, "now": now, "max": max_attempts, "limit": per_subscriber},
        )
        return [
            DueDelivery(
                r[0], int(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]), dict(r[6]), r[7]
            )
            for r in result
        ]

    async def delivered(
        self, tenant_id: int, subscriber_id: uuid.UUID, outbox_id: int, status: int, at: datetime
    ) -> None:
        await self.session.execute(
            text(
                "UPDATE webhook_deliveries SET delivered_at = :at, last_status = :status,"
                " attempts = attempts + 1, last_error = NULL"
                " WHERE tenant_id = :tenant AND subscriber_id = :sub AND outbox_id = :row"
            ),
            {
                "tenant": tenant_id,
                "sub": subscriber_id,
                "row": outbox_id,
                "status": status,
                "at": at,
            },
        )

    async def failed(
        self,
        tenant_id: int,
        subscriber_id: uuid.UUID,
        outbox_id: int,
        status: int | None,
        error: str,
        retry_at: datetime,
    ) -> None:
        await self.session.execute(
            text(
                "UPDATE webhook_deliveries SET attempts = attempts + 1,"
                " next_attempt_at = :retry, last_status = :status, last_error = :error"
                " WHERE tenant_id = :tenant AND subscriber_id = :sub AND outbox_id = :row"
            ),
            {
                "tenant": tenant_id,
                "sub": subscriber_id,
                "row": outbox_id,
                "status": status,
                "error": error[:200],
                "retry": retry_at,
            },
        )
