"""The deadline sweep: move cases into yellow and red, and send the warnings.

`sweep` is a plain service function over one unit of work: per tenant one
set-based statement reads only the cases whose `next_check` day has come
(a partial index on `(tenant_id, next_check)`), changes their colour and
writes one outbox row each, so the work is constant per changed case and
nothing per quiet one. Dates were placed on the tenant's working-day calendar
when the clock started or resumed, so holidays need no work here.

`deliver` sends the pending warning rows through the SMS and email gateways
and marks them delivered (at least once: a crash between the send and the
commit sends again). `sweep_task` is the thin SAQ wrapper the jobs room
schedules until it owns a definition of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.i18n import translate
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, job, unit_of_work
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.cases.repository import CaseRepository
from yiwang.runtime.cases.service import today_in_china
from yiwang.tenants.tree import TenantTree

JOB_NAME = "cases.sweep"


@dataclass(frozen=True)
class SweepResult:
    changed: int
    delivered: int

    def as_dict(self) -> dict[str, int]:
        return {"changed": self.changed, "delivered": self.delivered}


async def sweep(uow: UnitOfWork, tree: TenantTree, now: datetime) -> int:
    """Colour every tenant's cases whose day has come; returns how many changed."""
    repo = CaseRepository(uow.session)
    today = today_in_china(now)
    ids = sorted(tree.by_id)
    if not ids:
        return 0
    # one read across every tenant finds those with a case due (one index probe each);
    # each is then swept in its own scope, since rows are changed only in the acting tenant
    await uow.use_scope(TenantScope.subtree(ids[0], ids[1:]))
    changed = 0
    for tenant_id in await repo.tenants_due(ids, today):
        await uow.use_scope(TenantScope.single(tenant_id))
        changed += await repo.sweep(tenant_id, today, now)
    return changed


async def deliver(
    uow: UnitOfWork, tree: TenantTree, gateways: Gateways, now: datetime, batch: int = 500
) -> int:
    """Send the pending warnings to the applicant's phone and email; returns how many."""
    repo = CaseRepository(uow.session)
    sent = 0
    for node in tree.by_id.values():
        await uow.use_scope(TenantScope.single(node.id))
        rows = await repo.pending_warnings(node.id, batch)
        for row in rows:
            payload: dict[str, Any] = row.payload
            text = translate(
                f"cases.warning.{payload['colour']}", number=payload["number"], due=payload["due"]
            )
            if payload.get("phone"):
                await gateways.sms.send(str(payload["phone"]), text)
            if payload.get("email"):
                await gateways.email.send(str(payload["email"]), text)
        await repo.mark_delivered(node.id, [r.id for r in rows], now)
        sent += len(rows)
    return sent


async def sweep_and_deliver(
    sessions: async_sessionmaker[AsyncSession],
    tree: TenantTree,
    gateways: Gateways,
    now: datetime | None = None,
) -> SweepResult:
    """One run: the sweep commits first, then the warnings go out in a second unit."""
    at = now or datetime.now(UTC)
    async with unit_of_work(sessions, actor=job(JOB_NAME)) as uow:
        changed = await sweep(uow, tree, at)
    async with unit_of_work(sessions, actor=job(JOB_NAME)) as uow:
        delivered = await deliver(uow, tree, gateways, at)
    return SweepResult(changed, delivered)


async def sweep_task(ctx: dict[str, Any]) -> dict[str, int]:
    """SAQ task: the worker's context carries `sessions`, `tree` (a callable returning the
    current tenant tree) and `case_gateways`."""
    result = await sweep_and_deliver(ctx["sessions"], ctx["tree"](), ctx["case_gateways"])
    return result.as_dict()
