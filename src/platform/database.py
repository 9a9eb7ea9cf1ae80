"""Async SQLAlchemy on psycopg 3, one session (and transaction) per request.

A statement run `PREPARE_THRESHOLD` times on a connection becomes a server-side
prepared statement (psycopg's cache, `prepared_max` per connection), so it is no
longer parsed and planned on every request. That is safe under row-level security:
the policies read the scope through `current_setting(...)` when the plan runs, not
when it is made, so a generic plan made in one tenant's scope returns only the next
scope's rows (`tests/integration/platform/test_prepared_statements.py`). psycopg
forgets its statements after a ROLLBACK, `DISCARD ALL` or DDL on the connection,
and PostgreSQL re-plans them when a migration alters a table they read (a
migration that changes the type of a column a statement returns fails that
statement once per connection: psycopg then drops it and the rollback clears the rest).

Pooled connections are not pinged before use (a round trip per request).
Instead they are replaced after `pool_recycle` seconds, TCP keepalives make the
kernel notice a peer that vanished, and every checkout looks, without a round
trip, whether the server has closed the connection or spoken on it unasked
(a terminated backend, a restart, a pooler's idle cut). Such a connection is
dropped and the checkout retried with a fresh one, before any statement of the
transaction ran. A connection that dies silently between that look and the
first statement fails that one request; SQLAlchemy then invalidates the whole
pool, so the requests after it reconnect.
"""

from __future__ import annotations

import re
import select
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from yiwang.platform.errors import TenantContextMissing
from yiwang.platform.models import Base, tenant_owned_tables
from yiwang.platform.tenant_context import (
    CONTEXT_INFO_KEY,
    FOLD_BEGIN_KEY,
    OWED_BEGIN_KEY,
    TenantScope,
    begin_in_scope_sync,
    limit_sync,
    owe_begin_sync,
)

#: executions of one statement on a connection before psycopg prepares it (its default)
PREPARE_THRESHOLD = 5

#: libpq keepalives: an idle pooled connection whose peer vanished is noticed within a minute
KEEPALIVES: dict[str, int] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 0,
    pool_recycle: int = 1800,
    pool_timeout: float = 10,
    strict_context: bool = False,
) -> AsyncEngine:
    """The application's engine. A connection beyond `pool_size` (overflow) is closed
    when returned, so overflow trades a new PostgreSQL session per burst for no wait."""
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=pool_recycle,
        pool_timeout=pool_timeout,
        connect_args={"prepare_threshold": PREPARE_THRESHOLD, **KEEPALIVES},
    )
    event.listen(engine.sync_engine.pool, "checkout", drop_if_closed_by_server)
    _forget_context_at_transaction_end(engine)
    if strict_context:
        install_strict_context_hook(engine)
    return engine


def closed_by_server(fd: int) -> bool:
    """Whether an idle connection's socket has anything to read: end of stream, an error,
    or a message nobody asked for (the FATAL of a terminated backend). No round trip."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def drop_if_closed_by_server(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """Pool checkout hook: a connection the server has closed is replaced before use.

    Raising `DisconnectionError` here makes the pool discard the connection and
    check out another (a fresh one when the whole pool went stale).
    """
    driver = dbapi_connection.driver_connection
    if driver.closed or driver.broken:
        raise exc.DisconnectionError("connection closed")
    if closed_by_server(driver.pgconn.socket):
        raise exc.DisconnectionError("connection closed by the server")


#: a session's `info` key for the scope its next transaction begins in (see `UnitOfWork`)
PENDING_SCOPE_KEY = "yiwang_pending_scope"
#: and for the statement time limit it begins under (that transaction only)
PENDING_LIMIT_KEY = "yiwang_pending_statement_limit"


class ScopedSession(Session):
    """A session whose transaction begins in the scope its `info` names, in the same breath:
    a session may then begin lazily, at its first statement, and still run none unscoped.
    A statement time limit asked for before it began (`statement_limits`) goes with it,
    for that transaction only. When the first statement is a driver statement
    (`driver_sql`) and no limit is asked for, the BEGIN with the scope is sent in that
    statement's round trip (`FOLD_BEGIN_KEY`)."""


@event.listens_for(ScopedSession, "after_begin")
def _apply_pending_scope(session: Session, _: SessionTransaction, connection: Connection) -> None:
    scope = session.info.get(PENDING_SCOPE_KEY)
    limit = session.info.pop(PENDING_LIMIT_KEY, None)
    if isinstance(scope, TenantScope):
        if limit is None and session.info.get(FOLD_BEGIN_KEY):
            owe_begin_sync(connection, scope)
        else:
            begin_in_scope_sync(connection, scope, limit)
    elif limit is not None:
        limit_sync(connection, limit)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=ScopedSession)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession], scope: TenantScope | None = None
) -> AsyncIterator[AsyncSession]:
    """One session in one transaction, committed on success, with an optional scope
    (set as the transaction begins, at its first statement)."""
    async with factory() as session:
        session.info[PENDING_SCOPE_KEY] = scope
        async with session.begin():
            yield session


def _forget_context_at_transaction_end(engine: AsyncEngine) -> None:
    def clear(conn: Connection) -> None:
        conn.info.pop(CONTEXT_INFO_KEY, None)
        conn.info.pop(OWED_BEGIN_KEY, None)

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
