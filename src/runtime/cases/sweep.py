"""The deadline sweep: move cases into yellow and red, with a warning in the outbox.

`sweep` is a plain service function over one unit of work: per tenant one
set-based statement reads only the cases whose `next_check` day has come
(a partial index on `(tenant_id, next_check)`), changes their colour and
writes one outbox row each, so the work is constant per changed case and
nothing per quiet one. Dates were placed on the tenant's working-day calendar
when the clock started or resumed, so holidays need no work here.

The warnings go out with the rest of the outbox (`runtime/outbox`); the jobs
room's `cases.sweep` runs this sweep and then that delivery.
"""

from __future__ import annotations

from datetime import datetime

from yiwang.platform.china_time import today_in_china
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.cases.repository import CaseRepository
from yiwang.tenants.tree import TenantTree


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
