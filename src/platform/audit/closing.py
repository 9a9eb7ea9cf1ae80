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
"""

from __future__ import annotations

import json
from typing import Any, Final

import psycopg
from psycopg import AsyncConnection as DriverConnection
from psycopg import errors, generators, pq
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.driver_sql import unit_connection

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
