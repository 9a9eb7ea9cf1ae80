"""A unit of work's audit records and its COMMIT in one round trip.

A unit appends its records as its last statement (`record_many`) and then
commits: two round trips, the chain's lock held across both. Sent as one simple
query, `SELECT yiwang_audit_append_many('…'::jsonb); COMMIT`, the server commits
only if the append succeeded (an error skips the rest of a simple query and
leaves the transaction failed, for the caller to roll back), and the lock is
released one round trip sooner. A simple query takes no parameters: the records
are written in as one literal, escaped by libpq (`PQescapeLiteral`).

psycopg then finds its connection idle, so SQLAlchemy's own commit that follows
sends nothing (psycopg skips COMMIT outside a transaction) and still fires the
engine's commit events.

A unit whose last statement takes a lock that other units queue on (an application's
case statement: the day's counter row) sends that statement too, in one pipeline with
the append and the COMMIT (`statement_append_and_commit`, `UnitOfWork.close_with`): the
lock is then held for server time only, no round trip and no client work. What the audit
record names (the case number) is noted by the statement in a transaction-local setting
and read there by the append, on the server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import psycopg
from psycopg import AsyncConnection as DriverConnection
from psycopg import errors, generators, pq
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.driver_sql import DriverStatement, run_pipeline, unit_connection

#: how an error names the statement (the records themselves stay out of messages and logs)
SHOWN: Final = "SELECT yiwang_audit_append_many(...); COMMIT"


async def append_and_commit(session: AsyncSession, entries: list[dict[str, Any]]) -> bool:
    """Append `entries` (from `entry`) and commit `session`'s transaction, one round trip.

    False, with nothing sent, when this way does not apply (a savepoint open, not a
    psycopg async connection, no transaction in progress): the caller then appends with
    `record_many` and commits as usual. Objects the session holds unflushed are flushed
    first, so nothing of the unit is left for after the COMMIT.
    """
    if session.in_nested_transaction():
        return False
    if session.new or session.dirty or session.deleted:
        await session.flush()
    driver = (await unit_connection(session)).connection.driver_connection
    if not isinstance(driver, DriverConnection):
        return False
    records = json.dumps(entries, ensure_ascii=False, default=str).encode()
    async with driver.lock:
        pgconn = driver.pgconn
        if driver.autocommit or pgconn.transaction_status != pq.TransactionStatus.INTRANS:
            return False
        literal = pq.Escaping(pgconn).escape_literal(records)
        pgconn.send_query(b"SELECT yiwang_audit_append_many(" + literal + b"::jsonb); COMMIT")
        results = await driver.wait(generators.execute(pgconn))
    for result in results:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            failure = errors.error_from_result(result, encoding=driver.info.encoding)
            raise DBAPIError.instance(SHOWN, None, failure, psycopg.Error) from failure
    return True


#: the transaction-local setting a statement sent with the closing append notes what it made
#: in (`set_config(NOTED, …, true)`): the append reads it there, on the server
NOTED: Final = "yiwang.closing_object"
#: the append after such a statement: the entry at index $2 gets the noted value as its
#: `object_id` (the rest of the entries as given)
_APPEND_NOTED: Final = (
    "SELECT yiwang_audit_append_many(jsonb_set(CAST($1 AS jsonb),"
    f" ARRAY[CAST($2 AS text), 'object_id'], to_jsonb(current_setting('{NOTED}'))))"
).encode()


async def statement_append_and_commit(
    session: AsyncSession,
    statement: DriverStatement,
    params: Mapping[str, Any],
    entries: list[dict[str, Any]],
    noted: int,
) -> list[dict[str, Any]] | None:
    """Run `statement`, append `entries` and commit, in one round trip (one pipeline); the
    statement's rows.

    `statement` notes its object in `NOTED` (`set_config(NOTED, …, true)`), and the entry
    `entries[noted]` takes that as its `object_id`: what the records name comes from the
    server, so nothing waits on the client between the statement and the COMMIT (the
    locks the statement takes are held for server time only). A failing statement skips
    the append and the COMMIT (the pipeline is aborted), leaves the transaction failed for
    the caller to roll back, and is raised as SQLAlchemy's error (`IntegrityError`, ...),
    as `driver_rows` raises it.

    None, with nothing sent, when this way does not apply: a savepoint open, no
    transaction in progress, not psycopg's async connection, or `statement` not yet
    prepared on this connection (psycopg counts it towards being prepared only when it
    runs it itself): the caller then runs the statement, appends and commits as usual.
    """
    if session.in_nested_transaction() or not session.in_transaction():
        return None
    if session.new or session.dirty or session.deleted:
        await session.flush()
    sync = await unit_connection(session)
    driver = sync.connection.driver_connection
    if not isinstance(driver, DriverConnection) or driver.autocommit:
        return None
    if driver.pgconn.transaction_status != pq.TransactionStatus.INTRANS:
        return None
    values = dict(params)
    adapt = Transformer(driver)
    query = PostgresQuery(adapt)
    query.convert(statement.sql, values)
    prepared = driver._prepared
    key = prepared.key(query)
    name = prepared._names.get(key)
    if name is None or prepared._to_flush:
        return None
    records = json.dumps(entries, ensure_ascii=False, default=str).encode()
    async with driver.cursor() as cursor:
        sync.dispatch.before_cursor_execute(sync, cursor, statement.sql, values, None, False)
    async with driver.lock:
        pgconn = driver.pgconn
        if (
            driver.autocommit
            or pgconn.transaction_status != pq.TransactionStatus.INTRANS
            or pgconn.pipeline_status
        ):
            return None
        groups = await run_pipeline(
            driver,
            lambda c: c.send_query_prepared(name, query.params, param_formats=query.formats),
            lambda c: c.send_query_params(_APPEND_NOTED, [records, str(noted).encode()]),
            lambda c: c.send_query_params(b"COMMIT", None),
        )
    prepared._names.move_to_end(key)
    for i, group in enumerate(groups):
        for result in group:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                failure = errors.error_from_result(result, encoding=driver.info.encoding)
                if i == 0:
                    shown, given = statement.sql, values
                    raise DBAPIError.instance(shown, given, failure, psycopg.Error) from failure
                raise DBAPIError.instance(SHOWN, None, failure, psycopg.Error) from failure
    answer = groups[0][0]
    if answer.status != pq.ExecStatus.TUPLES_OK:
        return []
    adapt.set_pgresult(answer)
    names = statement.names(answer, driver.info.encoding)
    return [dict(zip(names, row, strict=True)) for row in adapt.load_rows(0, answer.ntuples, tuple)]
