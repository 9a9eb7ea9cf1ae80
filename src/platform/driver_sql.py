"""A hot statement sent on the unit's own connection through psycopg, not SQLAlchemy's
execution path.

SQLAlchemy's `session.execute` of a `text()` costs the client about three times what
psycopg alone does for the same round trip (the ORM's execution state, the parameters'
processing, a result's metadata built from the cursor's description for every
execution of a text statement, the row objects): about 0.1 ms a statement on this
machine, beside psycopg's 0.06 ms. An application makes two such statements. Here they
go on the session's connection, in its transaction and scope, as before; only the
client side is shorter:

- the session's connection is taken as for any statement (`session.connection()`), so
  the transaction begins in the unit's scope exactly as it would (`ScopedSession`), and
  the session's unflushed objects are flushed first;
- the engine's `before_cursor_execute` listeners are called with the statement and its
  parameters (the strict-context wall, statement counters), as SQLAlchemy would;
- a driver error is raised as SQLAlchemy's (`IntegrityError`, `DBAPIError`), so callers
  catch what they caught before, and the unit rolls back as usual.

The statement is written as a `text()` (named `:parameters`) and compiled once for
psycopg (`DriverStatement`); psycopg prepares it server-side like any other after its
threshold (the connection's `prepare_threshold`).

When the statement is the unit's first, the transaction's `BEGIN` and the scope's
settings go with it: one pipeline (`BEGIN`, the settings, the statement, one sync)
and one round trip, where the scope would otherwise take one of its own before it.
Only a statement psycopg has already prepared on the connection goes this way (by
psycopg's own name for it, so its bookkeeping of the server's statements stays
true: a ROLLBACK or `DISCARD ALL` that clears them clears the name); the others
begin first, as before, and are counted towards being prepared. Should the pipeline
fail half-way (a cancelled request), the connection is closed, and the pool replaces
it, rather than handed on in an unknown state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, cast

import psycopg
from psycopg import AsyncConnection as DriverConnection
from psycopg import errors, generators, pq
from psycopg._queries import PostgresQuery
from psycopg.abc import PQGen
from psycopg.adapt import Transformer
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql.psycopg import PGDialectAsync_psycopg
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.tenant_context import (
    FOLD_BEGIN_KEY,
    OWED_BEGIN_KEY,
    SCOPE_SETTINGS,
    TenantScope,
    pay_owed_begin,
    scope_values,
)

_DIALECT: Final = PGDialectAsync_psycopg()  # type: ignore[no-untyped-call]


class DriverStatement:
    """A `text()` statement compiled once for psycopg (`%(name)s` placeholders)."""

    __slots__ = ("_names", "clause", "sql")

    def __init__(self, clause: TextClause) -> None:
        self.clause = clause
        compiled = clause.compile(dialect=_DIALECT)
        assert not compiled.positional
        self.sql: str = str(compiled)
        self._names: tuple[str, ...] = ()

    def names(self, result: pq.abc.PGresult, encoding: str) -> tuple[str, ...]:
        """The result's column names, read once: the same statement always answers the
        same columns (asking psycopg for `cursor.description` builds a `Column` for each
        on every execution); read again if their number ever differs."""
        if len(self._names) != result.nfields:
            self._names = tuple(
                (result.fname(i) or b"").decode(encoding) for i in range(result.nfields)
            )
        return self._names


async def driver_rows(
    session: AsyncSession, statement: DriverStatement, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Run `statement` in `session`'s transaction; its rows as dicts (none for no result).

    A connection that is not psycopg's async one (none in this platform) runs it through
    SQLAlchemy instead, with the same answer."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    fold = not session.in_transaction()
    if fold:
        session.info[FOLD_BEGIN_KEY] = True
    try:
        sync = await unit_connection(session)
    finally:
        if fold:
            del session.info[FOLD_BEGIN_KEY]
    owed: TenantScope | None = sync.info.pop(OWED_BEGIN_KEY, None)
    driver = sync.connection.driver_connection
    if not isinstance(driver, DriverConnection):
        result = cast(CursorResult[Any], await session.execute(statement.clause, dict(params)))
        return [dict(row) for row in result.mappings()] if result.returns_rows else []
    values = dict(params)
    async with driver.cursor() as cursor:
        try:
            try:
                sync.dispatch.before_cursor_execute(
                    sync, cursor, statement.sql, values, None, False
                )
            except Exception:  # the unit goes on in its scope, as if nothing were owed
                if owed is not None:
                    await pay_owed_begin(driver, owed)
                raise
            answer: pq.abc.PGresult | None
            folded = None
            if owed is not None:
                folded = await _with_begin(driver, owed, statement.sql, values)
            if folded is not None:
                answer, rows = folded
            else:
                await cursor.execute(statement.sql, values)
                answer = cursor.pgresult
                rows = await cursor.fetchall() if _has_rows(answer) else []
            if not _has_rows(answer):
                return []
            assert answer is not None
            names = statement.names(answer, driver.info.encoding)
            return [dict(zip(names, row, strict=True)) for row in rows]
        except psycopg.Error as failure:
            raise DBAPIError.instance(statement.sql, values, failure, psycopg.Error) from failure


async def unit_connection(session: AsyncSession) -> Connection:
    """The connection `session.connection()` gives, synchronous: taken without a greenlet of
    its own (tens of microseconds) when the session's transaction already holds one, which
    is then all that `connection()` would look up."""
    sync_session = session.sync_session
    transaction = sync_session._transaction
    if (
        transaction is not None
        and transaction.is_active
        and sync_session.get_bind() in transaction._connections
    ):
        return sync_session.connection()
    connection = (await session.connection()).sync_connection
    assert connection is not None
    return connection


def _has_rows(answer: pq.abc.PGresult | None) -> bool:
    return answer is not None and answer.status == pq.ExecStatus.TUPLES_OK


async def _with_begin(
    driver: DriverConnection[Any], scope: TenantScope, sql: str, values: dict[str, Any]
) -> tuple[pq.abc.PGresult, list[tuple[Any, ...]]] | None:
    """`BEGIN`, `scope`'s settings and the prepared statement `sql` in one round trip: its
    result and rows. None, after a `BEGIN` with the scope of its own, when `sql` is not
    prepared on this connection yet (or psycopg owes the server a deallocation)."""
    adapt = Transformer(driver)
    query = PostgresQuery(adapt)
    try:
        query.convert(sql, values)
    except Exception:  # parameters psycopg cannot adapt: raised in the scope, as before
        await pay_owed_begin(driver, scope)
        raise
    prepared = driver._prepared
    key = prepared.key(query)
    name = prepared._names.get(key)
    if name is None or prepared._to_flush:
        await pay_owed_begin(driver, scope)
        return None
    async with driver.lock:
        pgconn = driver.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE or pgconn.pipeline_status:
            raise RuntimeError("a transaction owed its BEGIN on a connection not idle")
        groups = await run_pipeline(
            driver,
            lambda c: c.send_query_params(b"BEGIN", None),
            lambda c: c.send_query_params(SCOPE_SETTINGS, scope_values(scope)),
            lambda c: c.send_query_prepared(name, query.params, param_formats=query.formats),
        )
    prepared._names.move_to_end(key)
    for group in groups:
        for result in group:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                raise errors.error_from_result(result, encoding=driver.info.encoding)
    answer = groups[2][0]
    if answer.status == pq.ExecStatus.TUPLES_OK:
        adapt.set_pgresult(answer)
        return answer, adapt.load_rows(0, answer.ntuples, tuple)
    if answer.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.OperationalError(f"unexpected result in a pipeline: {answer.status}")
    return answer, []


async def run_pipeline(
    driver: DriverConnection[Any], *sends: Callable[[pq.abc.PGconn], None]
) -> list[list[pq.abc.PGresult]]:
    """Send the commands `sends` send as one libpq pipeline with one sync (one round trip);
    each command's results, then the sync's. The caller holds `driver.lock`. A pipeline that
    fails half-way (a cancelled request) closes the connection, so the pool replaces it."""
    pgconn = driver.pgconn
    try:
        pgconn.enter_pipeline_mode()
        for send in sends:
            send(pgconn)
        pgconn.pipeline_sync()
        groups = await driver.wait(pipeline_results(pgconn, len(sends) + 1))
        pgconn.exit_pipeline_mode()
    except BaseException:
        pgconn.finish()
        raise
    return groups


def pipeline_results(pgconn: pq.abc.PGconn, commands: int) -> PQGen[list[list[pq.abc.PGresult]]]:
    """Flush a pipeline of `commands` commands and its sync; each command's results."""
    yield from generators.send(pgconn)
    groups = []
    for _ in range(commands):
        groups.append((yield from generators.fetch_many(pgconn)))
    return groups
