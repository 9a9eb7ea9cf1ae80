"""The time one statement may take, for the transactions that bound it.

A supervisor's cross-tenant query, and each step of an export (a list view's
keyset page, the supervisors' range of a primary key), run under
`SET LOCAL statement_timeout`: the same `STATEMENT_TIME_LIMIT_MS` for all of them,
set transaction-locally (`set_config(..., true)`), so it never outlives the unit
that asked for it on a pooled connection. A statement that passes it is cancelled
(SQLSTATE 57014) and fails its transaction; each room turns that into its own
error (`supervision.timed_out`, `lists.timed_out`).

Asked for before the unit's transaction began (a list page asks first thing), the
limit costs no round trip: it goes with the transaction's `BEGIN` and its tenant
scope (`database.ScopedSession`); once the transaction runs, it is one statement.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import func, select, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.database import PENDING_LIMIT_KEY, ScopedSession

#: every bounded statement stops after this long
STATEMENT_TIME_LIMIT_MS: Final = 5000

_QUERY_CANCELED: Final = "57014"


async def limit_statement_time(session: AsyncSession, ms: int = STATEMENT_TIME_LIMIT_MS) -> None:
    """`SET LOCAL statement_timeout`: every later statement of the transaction is bounded
    (of the next one, with its `BEGIN`, when none has begun)."""
    if isinstance(session.sync_session, ScopedSession) and not session.in_transaction():
        session.info[PENDING_LIMIT_KEY] = int(ms)
        return
    await session.execute(select(func.set_config("statement_timeout", str(int(ms)), true())))


def statement_timed_out(exc: DBAPIError) -> bool:
    """Whether `exc` is a statement cancelled by its time limit."""
    return getattr(exc.orig, "sqlstate", None) == _QUERY_CANCELED
