"""Suspend, resume, archive and un-archive a tenant; every transition, and every refusal,
is audited.

The lifecycle is the province's (only province-level roles hold `tenant:write`).
Archiving takes a tenant out of service for good, so it is confirmed: the
request must carry the tenant's exact name (`confirm`); without it nothing
changes, the attempt is audited and the answer says what archiving does.
An archived tenant comes back through `unarchive`, to `suspended`, so the
province checks it before resuming its service.

Nobody takes their own tenant, or one above it, out of service (`OUT_OF_SERVICE`): the
province does not suspend itself, a prefecture not its province. The acting person's
home tenant decides; the command line and jobs have none, so the operator there may.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from yiwang.platform.errors import Conflict, InvalidInput, NotFound
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.errors import OwnTenantOutOfService
from yiwang.tenants.models import Status, Tenant
from yiwang.tenants.repository import TenantRepository
from yiwang.tenants.tree import TenantNode

#: action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "suspend": (frozenset({Status.ACTIVE}), Status.SUSPENDED),
    "resume": (frozenset({Status.SUSPENDED}), Status.ACTIVE),
    "archive": (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.ARCHIVED),
    "unarchive": (frozenset({Status.ARCHIVED}), Status.SUSPENDED),
}
#: transitions that need the tenant's name as confirmation
CONFIRMED = frozenset({"archive"})
#: transitions that take a tenant out of service: never the actor's own tenant or one above
OUT_OF_SERVICE = frozenset({"suspend", "archive"})

ACTION_NAMES = {"suspend": "暂停", "resume": "恢复", "archive": "归档", "unarchive": "取消归档"}
STATUS_NAMES = {"active": "正常", "suspended": "暂停", "archived": "已归档"}


def takes_own_out(action: str, target_path: str, home: TenantNode | None) -> bool:
    """Whether `action` would take the acting person's home tenant, or one above it, out of
    service (what the service refuses and the console's pages do not offer). Pure."""
    if action not in OUT_OF_SERVICE or home is None:
        return False
    return home.path == target_path or home.path.startswith(target_path + "/")


class Lifecycle:
    """Tenant status changes in the caller's unit of work; the registry version is bumped
    with the change and announced after commit. `home` is the acting person's own tenant
    (None for the command line and jobs)."""

    def __init__(
        self,
        uow: UnitOfWork,
        announce: Callable[[int], Awaitable[None]],
        home: TenantNode | None = None,
    ) -> None:
        self.uow = uow
        self.announce = announce
        self.home = home

    async def _refused(self, tenant: Tenant, action: str, error: str | None = None) -> None:
        """Audit a refused `action` on `tenant` (its status, and the error when named)."""
        detail = {"status": tenant.status, **({"error": error} if error else {})}
        await self.uow.audit_refusal(
            action=f"tenant.{action}",
            object_type="tenant",
            object_id=tenant.code,
            tenant_id=tenant.id,
            detail=detail,
        )

    async def change(
        self, code: str, action: str, *, reason: str | None = None, confirm: str | None = None
    ) -> Tenant:
        if action not in TRANSITIONS:
            raise NotFound("not_found")
        repo = TenantRepository(self.uow.session)
        tenant = await repo.by_code(code)
        if tenant is None:
            raise NotFound("tenant.not_found", pointer="/code", code=code[:12])
        if self.home is not None and takes_own_out(action, tenant.path, self.home):
            await self._refused(tenant, action, "tenant.own_out_of_service")
            raise OwnTenantOutOfService(
                "tenant.own_out_of_service",
                name=tenant.name,
                home=self.home.name,
                action=ACTION_NAMES[action],
            )
        allowed_from, target = TRANSITIONS[action]
        if Status(tenant.status) not in allowed_from:
            await self._refused(tenant, action)
            raise Conflict(
                "tenant.status_transition",
                name=tenant.name,
                status=STATUS_NAMES[tenant.status],
                action=ACTION_NAMES[action],
            )
        if action in CONFIRMED and (confirm or "").strip() != tenant.name:
            await self._refused(tenant, action, "tenant.archive_confirm")
            raise InvalidInput("tenant.archive_confirm", pointer="/confirm", name=tenant.name)
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
