"""Suspend, resume and archive a tenant; every transition, and every refusal, is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from yiwang.platform.errors import Conflict, NotFound
from yiwang.platform.unit_of_work import UnitOfWork
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


class Lifecycle:
    """Tenant status changes in the caller's unit of work; the registry version is bumped
    with the change and announced after commit."""

    def __init__(self, uow: UnitOfWork, announce: Callable[[int], Awaitable[None]]) -> None:
        self.uow = uow
        self.announce = announce

    async def change(self, code: str, action: str, *, reason: str | None = None) -> Tenant:
        if action not in TRANSITIONS:
            raise NotFound("not_found")
        repo = TenantRepository(self.uow.session)
        tenant = await repo.by_code(code)
        if tenant is None:
            raise NotFound("tenant.not_found", pointer="/code", code=code[:12])
        allowed_from, target = TRANSITIONS[action]
        if Status(tenant.status) not in allowed_from:
            await self.uow.audit_refusal(
                action=f"tenant.{action}",
                object_type="tenant",
                object_id=code,
                tenant_id=tenant.id,
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
        await self.uow.audit(
            action=f"tenant.{action}",
            object_type="tenant",
            object_id=code,
            tenant_id=tenant.id,
            detail={"from": before, "to": target.value, "reason": reason},
        )
        announce_after_commit(self.uow, await repo.bump_version(), self.announce)
        return tenant


def announce_after_commit(
    uow: UnitOfWork, version: int, announce: Callable[[int], Awaitable[None]]
) -> None:
    """Once `uow` commits registry `version`, tell every worker."""

    async def hook() -> None:
        await announce(version)

    uow.after_commit(hook)
