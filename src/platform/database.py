"""Async SQLAlchemy on psycopg 3, one session (and transaction) per request.

Server-side prepared statements are off (`prepare_threshold=None`): a plan made
under one tenant's RLS scope would be reused for another's.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from yiwang.platform.errors import TenantContextMissing
from yiwang.platform.models import Base, tenant_owned_tables
from yiwang.platform.tenant_context import CONTEXT_INFO_KEY, TenantScope, apply_scope


def create_engine(url: str, *, pool_size: int = 10, strict_context: bool = False) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"prepare_threshold": None},
    )
    _forget_context_at_transaction_end(engine)
    if strict_context:
        install_strict_context_hook(engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession], scope: TenantScope | None = None
) -> AsyncIterator[AsyncSession]:
    """One session in one transaction, committed on success, with an optional scope."""
    async with factory() as session, session.begin():
        if scope is not None:
            await apply_scope(session, scope)
        yield session


def _forget_context_at_transaction_end(engine: AsyncEngine) -> None:
    def clear(conn: Connection) -> None:
        conn.info.pop(CONTEXT_INFO_KEY, None)

    event.listen(engine.sync_engine, "commit", clear)
    event.listen(engine.sync_engine, "rollback", clear)


# Statements that may touch tenant tables with no context (they are about the
# context itself, or are run by the owner role, which RLS does not bind).
STRICT_ALLOWLIST: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\s*SELECT set_config\(", re.I),
    re.compile(r"^\s*SELECT pg_catalog\.", re.I),
)


def install_strict_context_hook(engine: AsyncEngine) -> None:
    """Fail any statement that reads a tenant table before the tenant context is set.

    A test-only wall: RLS would already return nothing, but a silent empty result
    hides the bug, and this makes it loud.
    """
    names = sorted({t.name for t in tenant_owned_tables(Base.metadata)})
    if not names:
        return
    pattern = re.compile(
        r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(?:\"?public\"?\.)?\"?(" + "|".join(names) + r")\"?\b",
        re.I,
    )

    def check(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if CONTEXT_INFO_KEY in conn.info:
            return
        if any(p.search(statement) for p in STRICT_ALLOWLIST):
            return
        match = pattern.search(statement)
        if match:
            raise TenantContextMissing("tenant.context_missing", table=match.group(1))

    event.listen(engine.sync_engine, "before_cursor_execute", check)
