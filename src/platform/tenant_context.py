"""The tenant context a transaction runs in, as PostgreSQL settings.

Row-level-security policies read these two settings. They are always set with
`set_config(name, value, true)` (transaction-local): a session-level setting
would leak into the next checkout of the pooled connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

#: the tenant a transaction acts as; rows are written only for it
ACTING_TENANT_SETTING = "yiwang.tenant_id"
#: the tenants whose rows a transaction may read, as a PostgreSQL bigint[] literal
VISIBLE_TENANTS_SETTING = "yiwang.visible_tenants"
#: marks a connection whose current transaction has a context (strict-context hook)
CONTEXT_INFO_KEY = "yiwang_tenant_context"


@dataclass(frozen=True)
class TenantScope:
    """Whom a transaction acts as and whom it may see.

    A county's scope sees itself; a prefecture or the province supervising its
    subtree sees every tenant below it too.
    """

    acting_tenant_id: int
    visible_tenant_ids: tuple[int, ...]

    @classmethod
    def single(cls, tenant_id: int) -> TenantScope:
        return cls(tenant_id, (tenant_id,))

    @classmethod
    def subtree(cls, tenant_id: int, descendants: Iterable[int]) -> TenantScope:
        ids = [tenant_id, *(d for d in descendants if d != tenant_id)]
        return cls(tenant_id, tuple(ids))

    def visible_literal(self) -> str:
        return "{" + ",".join(str(int(i)) for i in self.visible_tenant_ids) + "}"


_SET_SQL = text(
    "SELECT set_config(:acting_name, :acting, true), set_config(:visible_name, :visible, true)"
)


def _parameters(scope: TenantScope) -> dict[str, str]:
    return {
        "acting_name": ACTING_TENANT_SETTING,
        "acting": str(int(scope.acting_tenant_id)),
        "visible_name": VISIBLE_TENANTS_SETTING,
        "visible": scope.visible_literal(),
    }


async def apply_scope(target: AsyncSession | AsyncConnection, scope: TenantScope) -> None:
    """Set the scope for the current transaction of `target` (may be called again to switch)."""
    conn = await target.connection() if isinstance(target, AsyncSession) else target
    await conn.execute(_SET_SQL, _parameters(scope))
    conn.sync_connection.info[CONTEXT_INFO_KEY] = scope  # type: ignore[union-attr]


def apply_scope_sync(conn: Connection, scope: TenantScope) -> None:
    """The same, from a synchronous hook (a session's `after_begin`)."""
    conn.execute(_SET_SQL, _parameters(scope))
    conn.info[CONTEXT_INFO_KEY] = scope
