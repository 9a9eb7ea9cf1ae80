"""Suspend, resume and archive a tenant; every transition is audited."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform import audit
from yiwang.platform.errors import Conflict, NotFound
from yiwang.tenants.models import Status, Tenant
from yiwang.tenants.repository import TenantRepository

#: action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "suspend": (frozenset({Status.ACTIVE}), Status.SUSPENDED),
    "resume": (frozenset({Status.SUSPENDED}), Status.ACTIVE),
    "archive": (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.ARCHIVED),
}

ACTION_NAMES = {"suspend": "暂停", "resume": "恢复", "archive": "归档"}
STATUS_NAMES = {"active": "正常", "suspended": "暂停", "archived": "已归档"}


async def change_status(
    session: AsyncSession, *, code: str, action: str, actor: str, reason: str | None = None
) -> Tenant:
    repo = TenantRepository(session)
    tenant = await repo.by_code(code)
    if tenant is None:
        raise NotFound("tenant.not_found", pointer="/code", code=code)
    allowed_from, target = TRANSITIONS[action]
    if Status(tenant.status) not in allowed_from:
        await audit.record(
            session,
            actor=actor,
            action=f"tenant.{action}",
            object_type="tenant",
            object_id=code,
            tenant_id=tenant.id,
            outcome="failure",
            detail={"status": tenant.status},
        )
        raise Conflict(
            "tenant.status_transition",
            name=tenant.name,
            status=STATUS_NAMES[tenant.status],
            action=ACTION_NAMES[action],
        )
    before = tenant.status
    await repo.set_status(tenant.id, target.value)
    tenant.status = target.value
    await audit.record(
        session,
        actor=actor,
        action=f"tenant.{action}",
        object_type="tenant",
        object_id=code,
        tenant_id=tenant.id,
        detail={"from": before, "to": target.value, "reason": reason},
    )
    return tenant
