"""The tenant context a transaction runs in, as PostgreSQL settings.

Row-level-security policies read these two settings. They are always set with
`set_config(name, value, true)` (transaction-local): a session-level setting
would leak into the next checkout of the pooled connection.

A transaction that begins in a scope sends `BEGIN` and the scope as one simple
query (`begin_in_scope_sync`): one round trip, where psycopg alone would wait for
its own `BEGIN` first and then for the `set_config`. A statement time limit asked
for before the transaction began (`statement_limits`) rides in the same query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection as DriverConnection
from psycopg import errors, generators, pq
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.util import await_

#: the tenant a transaction acts as; rows are written only for it
ACTING_TENANT_SETTING = "yiwang.tenant_id"
#: the tenants whose rows a transaction may read, as a PostgreSQL bigint[] literal
VISIBLE_TENANTS_SETTING = "yiwang.visible_tenants"
#: marks a connection whose current transaction has a context (strict-context hook)
CONTEXT_INFO_KEY = "yiwang_tenant_context"
#: a session's `info` flag: its transaction's BEGIN with the scope goes with the statement
#: about to be sent (`driver_sql.driver_rows`), not in a round trip of its own
FOLD_BEGIN_KEY = "yiwang_fold_begin"
#: a connection's `info` key for the scope whose BEGIN the next statement must send first
OWED_BEGIN_KEY = "yiwang_owed_begin"


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


_LIMIT_SQL = text("SELECT set_config('statement_timeout', :ms, true)")


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


@asynccontextmanager
async def widened_scope(
    session: AsyncSession, acting_tenant_id: int, tenant_ids: Iterable[int]
) -> AsyncIterator[None]:
    """Let the transaction also see `tenant_ids` while the block runs, then restore the
    scope it had (or the acting tenant's alone). Callers name why they may widen."""
    connection = await session.connection()
    previous = connection.sync_connection.info.get(CONTEXT_INFO_KEY)  # type: ignore[union-attr]
    ids = sorted({acting_tenant_id, *tenant_ids})
    await apply_scope(session, TenantScope(acting_tenant_id, tuple(ids)))
    try:
        yield
    finally:
        if isinstance(previous, TenantScope):
            await apply_scope(session, previous)
        else:
            await apply_scope(session, TenantScope.single(acting_tenant_id))


def begin_statement(scope: TenantScope, statement_timeout_ms: int | None = None) -> bytes:
    """`BEGIN` and the scope's two settings (and the statement time limit, if any), as one
    simple query: no parameters, so the values are written in, and they are integers
    (`int()` refuses anything else)."""
    acting, visible = str(int(scope.acting_tenant_id)), scope.visible_literal()
    limit = (
        ""
        if statement_timeout_ms is None
        else f", set_config('statement_timeout', '{int(statement_timeout_ms)}', true)"
    )
    return (
        f"BEGIN; SELECT set_config('{ACTING_TENANT_SETTING}', '{acting}', true),"
        f" set_config('{VISIBLE_TENANTS_SETTING}', '{visible}', true){limit}"
    ).encode()


def limit_sync(conn: Connection, statement_timeout_ms: int) -> None:
    """The statement time limit alone, transaction-local, as its own statement."""
    conn.execute(_LIMIT_SQL, {"ms": str(int(statement_timeout_ms))})


async def _begin_in_scope(driver: DriverConnection[Any], statement: bytes) -> bool:
    async with driver.lock:
        pgconn = driver.pgconn
        if driver.autocommit or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        pgconn.send_query(statement)
        results = await driver.wait(generators.execute(pgconn))
    for result in results:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=driver.info.encoding)
    return True


#: the scope's two settings as one extended-protocol statement (a pipeline takes no
#: simple query): `BEGIN` goes before it, the unit's first statement after it
SCOPE_SETTINGS = (
    f"SELECT set_config('{ACTING_TENANT_SETTING}', $1, true),"
    f" set_config('{VISIBLE_TENANTS_SETTING}', $2, true)"
).encode()


def scope_values(scope: TenantScope) -> list[bytes | None]:
    """`SCOPE_SETTINGS`'s parameters for `scope`."""
    return [str(int(scope.acting_tenant_id)).encode(), scope.visible_literal().encode()]


def owe_begin_sync(conn: Connection, scope: TenantScope) -> None:
    """Begin `conn`'s transaction in `scope` with the statement the caller sends next:
    nothing is sent now, the scope is marked owed (`OWED_BEGIN_KEY`) and the caller
    sends `BEGIN` and the scope before its statement, in its round trip. Where that
    cannot be (not an idle psycopg async connection), the transaction begins now."""
    driver = conn.connection.driver_connection
    if (
        isinstance(driver, DriverConnection)
        and not driver.autocommit
        and driver.pgconn.transaction_status == pq.TransactionStatus.IDLE
    ):
        conn.info[OWED_BEGIN_KEY] = scope
        conn.info[CONTEXT_INFO_KEY] = scope
        return
    begin_in_scope_sync(conn, scope)


async def pay_owed_begin(driver: DriverConnection[Any], scope: TenantScope) -> None:
    """Send an owed `BEGIN` with `scope` in a round trip of its own (the caller found it
    could not send it with its statement)."""
    if not await _begin_in_scope(driver, begin_statement(scope)):
        raise RuntimeError("a transaction owed its BEGIN on a connection not idle")


def begin_in_scope_sync(
    conn: Connection, scope: TenantScope, statement_timeout_ms: int | None = None
) -> None:
    """Begin `conn`'s transaction in `scope` (and under `statement_timeout_ms`), in one
    round trip, from a session's `after_begin` hook (which runs in SQLAlchemy's
    greenlet, so it may await).

    The server then is in a transaction, so psycopg sends no `BEGIN` of its own before
    the next statement, and commits or rolls back as usual. A connection already in a
    transaction (or not a psycopg async one) gets the scope as its own statement.
    """
    driver = conn.connection.driver_connection
    if not (
        isinstance(driver, DriverConnection)
        and await_(_begin_in_scope(driver, begin_statement(scope, statement_timeout_ms)))
    ):
        conn.execute(_SET_SQL, _parameters(scope))
        if statement_timeout_ms is not None:
            limit_sync(conn, statement_timeout_ms)
    conn.info[CONTEXT_INFO_KEY] = scope
