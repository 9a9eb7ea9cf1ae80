"""What every part of the record repository stands on: the caller's session, and
`visible`, the widened scope a cross-tenant count or check runs under.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.tenant_context import widened_scope


@asynccontextmanager
async def visible(
    session: AsyncSession, acting_tenant_id: int, tenant_ids: Iterable[int]
) -> AsyncIterator[None]:
    """Let the transaction read `tenant_ids` for a count or a check, then restore its scope.

    For what the platform itself must know across tenants (a rule counted over
    a subtree, the records a metadata change would invalidate); what is read
    under it is a count or a verdict, never shown.
    """
    async with widened_scope(session, acting_tenant_id, tenant_ids):
        yield


class RepositoryBase:
    """The caller's session; every statement runs in its unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
