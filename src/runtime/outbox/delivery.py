"""Deliver the case outbox: each due row's notice goes to the applicant's phone and email.

At least once: a row is locked (`SKIP LOCKED`), its notices sent, and the row
marked delivered in the same transaction, so a crash between the send and the
commit sends it again, and two runs at once never take the same row. A gateway
that raises leaves the row undelivered with one more attempt, the error's kind,
and a retry time that doubles each time (`notices.backoff`); the other rows of
the run go on. A row whose notice concerns nobody outside is marked delivered
without sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.outbox.notices import MAX_ATTEMPTS, backoff, notice_for
from yiwang.runtime.outbox.repository import OutboxRepository, PendingRow
from yiwang.tenants.tree import TenantTree

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    #: rows marked delivered (with or without a message sent)
    delivered: int
    #: messages handed to a gateway
    sent: int
    #: rows whose gateway failed this run (tried again later)
    failed: int

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "sent": self.sent, "failed": self.failed}


async def deliver(
    uow: UnitOfWork, tree: TenantTree, gateways: Gateways, now: datetime, *, batch: int = 500
) -> DeliveryResult:
    """One pass over every tenant with a row due, up to `batch` rows per tenant."""
    repo = OutboxRepository(uow.session)
    ids = sorted(tree.by_id)
    if not ids:
        return DeliveryResult(0, 0, 0)
    await uow.use_scope(TenantScope.subtree(ids[0], ids[1:]))
    delivered = sent = failed = 0
    for tenant_id in await repo.tenants_pending(ids, now, MAX_ATTEMPTS):
        # rows are changed only in the acting tenant's scope, as row-level security demands
        await uow.use_scope(TenantScope.single(tenant_id))
        done: list[int] = []
        for row in await repo.take(tenant_id, now, MAX_ATTEMPTS, batch):
            try:
                sent += await _send(row, gateways)
            except Exception as exc:  # any gateway failure: back off and try again later
                failed += 1
                await repo.failed(tenant_id, row.id, now + backoff(row.attempts + 1), _kind(exc))
                log.warning("outbox_delivery_failed", row=row.id, error=_kind(exc))
                continue
            done.append(row.id)
        await repo.delivered(tenant_id, done, now)
        delivered += len(done)
    return DeliveryResult(delivered, sent, failed)


async def _send(row: PendingRow, gateways: Gateways) -> int:
    notice = notice_for(row.kind, row.payload)
    if notice is None:
        return 0
    count = 0
    if row.phone:
        await gateways.sms.send(row.phone, notice.text)
        count += 1
    if row.email:
        await gateways.email.send(row.email, notice.text)
        count += 1
    return count


def _kind(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"
