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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

import psycopg
from psycopg import AsyncConnection as DriverConnection
from psycopg import pq
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql.psycopg import PGDialectAsync_psycopg
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

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
    connection = await session.connection()
    sync = connection.sync_connection
    assert sync is not None
    driver = sync.connection.driver_connection
    if not isinstance(driver, DriverConnection):
        result = cast(CursorResult[Any], await session.execute(statement.clause, dict(params)))
        return [dict(row) for row in result.mappings()] if result.returns_rows else []
    values = dict(params)
    async with driver.cursor() as cursor:
        sync.dispatch.before_cursor_execute(sync, cursor, statement.sql, values, None, False)
        try:
            await cursor.execute(statement.sql, values)
            answer = cursor.pgresult
            if answer is None or answer.status != pq.ExecStatus.TUPLES_OK:
                return []
            names = statement.names(answer, driver.info.encoding)
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]
        except psycopg.Error as failure:
            raise DBAPIError.instance(statement.sql, values, failure, psycopg.Error) from failure
