"""Deliver the webhooks: each due (subscriber, outbox row) is POSTed, signed, at least once.

One pass locks the due deliveries of every tenant (`SKIP LOCKED`, at most
`per_subscriber` per subscriber), sends them outside any SQL (the session is
idle meanwhile, its locks held), subscribers side by side and each
subscriber's rows in order, then records every outcome and commits. A crash
before the commit sends again (receivers deduplicate by `X-Yiwang-Delivery`);
two passes at once never take the same delivery. A 2xx marks it delivered;
any other status or a transport error counts an attempt and backs off as the
outbox does (30 s x 2^(n-1), at most an hour, given up after 12). A subscriber
that does not answer (timeout, refused connection) costs one timeout per pass:
its other rows wait for the next pass untouched, and the other subscribers
and the applicant's notices (a job of their own) never wait for it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import structlog

from yiwang.platform.errors import YiwangError
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.crypto import FieldCipher
from yiwang.runtime.outbox.notices import MAX_ATTEMPTS, backoff
from yiwang.runtime.webhooks.addresses import check_url
from yiwang.runtime.webhooks.message import message_for
from yiwang.runtime.webhooks.repository import DueDelivery, WebhookRepository
from yiwang.runtime.webhooks.sealing import unseal
from yiwang.runtime.webhooks.sender import ClosingSender, HttpSender, Sender
from yiwang.runtime.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    body_of,
    delivery_id,
    signature,
)
from yiwang.tenants.tree import TenantTree

log = structlog.get_logger(__name__)

#: subscribers sent to at once in one pass
CONCURRENCY: Final = 16
PER_SUBSCRIBER: Final = 100


@dataclass(frozen=True)
class WebhookResult:
    #: deliveries answered with a 2xx
    delivered: int
    #: deliveries that failed this pass (tried again later)
    failed: int
    #: deliveries left for the next pass because their subscriber did not answer
    deferred: int

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "failed": self.failed, "deferred": self.deferred}


@dataclass(frozen=True)
class Outcome:
    row: DueDelivery
    #: the response's status, None when none came
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class _Batch:
    tenant_id: int
    tenant_code: str
    subscriber_id: uuid.UUID
    rows: Sequence[DueDelivery]


async def deliver(
    uow: UnitOfWork,
    tree: TenantTree,
    sender: Sender,
    cipher: FieldCipher,
    now: datetime,
    *,
    production: bool,
    per_subscriber: int = PER_SUBSCRIBER,
) -> WebhookResult:
    """One pass over every tenant with a delivery due."""
    repo = WebhookRepository(uow.session)
    ids = sorted(tree.by_id)
    if not ids:
        return WebhookResult(0, 0, 0)
    await uow.use_scope(TenantScope.subtree(ids[0], ids[1:]))
    batches: list[_Batch] = []
    for tenant_id in await repo.tenants_due(ids, now, MAX_ATTEMPTS):
        await uow.use_scope(TenantScope.single(tenant_id))
        grouped: dict[uuid.UUID, list[DueDelivery]] = defaultdict(list)
        for row in await repo.take(tenant_id, now, MAX_ATTEMPTS, per_subscriber):
            grouped[row.subscriber_id].append(row)
        code = tree.by_id[tenant_id].code
        batches += [_Batch(tenant_id, code, s, rows) for s, rows in grouped.items()]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(batch: _Batch) -> list[Outcome]:
        async with gate:
            return await _send_batch(batch, sender, cipher, production=production)

    results = await asyncio.gather(*(send(b) for b in batches))
    delivered = failed = deferred = 0
    for batch, outcomes in zip(batches, results, strict=True):
        await uow.use_scope(TenantScope.single(batch.tenant_id))
        for outcome in outcomes:
            row = outcome.row
            if outcome.ok:
                assert outcome.status is not None
                delivered += 1
                await repo.delivered(
                    batch.tenant_id, row.subscriber_id, row.outbox_id, outcome.status, now
                )
                continue
            failed += 1
            await repo.failed(
                batch.tenant_id,
                row.subscriber_id,
                row.outbox_id,
                outcome.status,
                outcome.error or f"HTTP {outcome.status}",
                now + backoff(row.attempts + 1),
            )
        deferred += len(batch.rows) - len(outcomes)
    return WebhookResult(delivered, failed, deferred)


async def _send_batch(
    batch: _Batch, sender: Sender, cipher: FieldCipher, *, production: bool
) -> list[Outcome]:
    """Send one subscriber's rows in order; stop at the first that got no answer."""
    first = batch.rows[0]
    try:
        secret = unseal(cipher, batch.tenant_id, batch.subscriber_id, first.secret_sealed)
        url = await check_url(first.url, production=production)
    except YiwangError as exc:  # a sealed secret that no key opens, an address now refused
        return [Outcome(first, None, f"{exc.code}: {exc.message()[:120]}")]
    outcomes: list[Outcome] = []
    for row in batch.rows:
        body = body_of(
            message_for(row.outbox_id, row.kind, row.payload, row.occurred_at, batch.tenant_code)
        )
        headers = {
            EVENT_HEADER: row.kind,
            DELIVERY_HEADER: delivery_id(row.subscriber_id, row.outbox_id),
            SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        }
        try:
            status = await sender.post(url, body, headers)
        except Exception as exc:  # any transport failure: this subscriber is down for now
            outcomes.append(Outcome(row, None, _kind(exc)))
            log.warning(
                "webhook_delivery_failed",
                subscriber=str(row.subscriber_id),
                row=row.outbox_id,
                error=_kind(exc),
            )
            break
        outcomes.append(Outcome(row, status, None if 200 <= status < 300 else f"HTTP {status}"))
    return outcomes


def _kind(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"


@dataclass(frozen=True)
class Deliverer:
    """What the delivery job needs of the process: the cipher that opens the secrets, the
    deployment's address rules, and a fresh HTTP client per pass."""

    cipher: FieldCipher
    production: bool
    sender: Callable[[], ClosingSender] = HttpSender

    async def run(self, uow: UnitOfWork, tree: TenantTree, now: datetime) -> WebhookResult:
        sender = self.sender()
        try:
            return await deliver(uow, tree, sender, self.cipher, now, production=self.production)
        finally:
            await sender.close()
