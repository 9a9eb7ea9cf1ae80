"""The bounds every cross-tenant statement runs under: `SET LOCAL statement_timeout`
(`TIME_LIMIT_MS`, the platform's `STATEMENT_TIME_LIMIT_MS`; a cancelled statement is
`supervision.timed_out`) and one row (or group) read beyond the limit, so a caller
learns that a bound was hit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, bindparam
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.statement_limits import (
    STATEMENT_TIME_LIMIT_MS,
    limit_statement_time,
    statement_timed_out,
)
from yiwang.runtime.supervision.errors import SupervisionTimedOut

#: every statement of a cross-tenant query (and of an export's step) stops after this long
TIME_LIMIT_MS: Final = STATEMENT_TIME_LIMIT_MS


async def limit_time(session: AsyncSession) -> None:
    """`SET LOCAL statement_timeout`: every later statement of the transaction is bounded."""
    await limit_statement_time(session, TIME_LIMIT_MS)


def timed_out_error() -> SupervisionTimedOut:
    return SupervisionTimedOut("supervision.timed_out", seconds=TIME_LIMIT_MS // 1000)


async def read_rows(session: AsyncSession, stmt: Any) -> list[dict[str, Any]]:
    """The rows of `stmt`; cancelled by the time limit, `supervision.timed_out`."""
    try:
        # `Row._asdict`, not `dict(RowMapping)`: a third of a province's metrics was this
        return [r._asdict() for r in await session.execute(stmt)]
    except DBAPIError as exc:
        if statement_timed_out(exc):
            raise timed_out_error() from None
        raise


async def read_scalar(session: AsyncSession, stmt: Any) -> Any:
    """The one value of `stmt`; cancelled by the time limit, `supervision.timed_out`."""
    try:
        return await session.scalar(stmt)
    except DBAPIError as exc:
        if statement_timed_out(exc):
            raise timed_out_error() from None
        raise


async def bounded_rows(session: AsyncSession, stmt: Select[Any], limit: int) -> Bounded:
    """The first `limit` rows of `stmt` under the time limit, and whether there were
    more: it reads one row beyond the bound."""
    await limit_time(session)
    rows = await read_rows(session, stmt.limit(limit + 1))
    return Bounded(rows[:limit], len(rows) > limit)


def ids_param(tenant_ids: Sequence[int]) -> Any:
    return bindparam("tenant_ids", list(tenant_ids), type_=ARRAY(BIGINT))


@dataclass(frozen=True)
class Bounded:
    rows: list[dict[str, Any]]
    #: the row (or group) bound was hit: more exist than were returned
    truncated: bool
