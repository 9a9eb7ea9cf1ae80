"""The only SQL of lists that is not compiled: running a page, and the index requests.

A page's statements run under the statement time limit (`limit_time`), as an export's
steps and the supervisors' queries do: asked for before the unit's first statement,
it rides on the transaction's `BEGIN` with the tenant scope, so it costs no round trip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Result, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.statement_limits import (
    STATEMENT_TIME_LIMIT_MS,
    limit_statement_time,
    statement_timed_out,
)
from yiwang.runtime.lists.compile import Compiled
from yiwang.runtime.lists.errors import ListTimedOut
from yiwang.runtime.lists.indexes import IndexSpec


class ListRepository:
    def __init__(self, session: AsyncSession, time_limit_ms: int = STATEMENT_TIME_LIMIT_MS) -> None:
        self.session = session
        self.time_limit_ms = time_limit_ms

    async def limit_time(self) -> None:
        """Bound every later statement of the transaction by `time_limit_ms` (of the next
        transaction, with its `BEGIN`, when none has begun yet)."""
        await limit_statement_time(self.session, self.time_limit_ms)

    async def _run(self, compiled: Compiled) -> Result[Any]:
        """A compiled query; cancelled by a time limit, `lists.timed_out`."""
        try:
            return await self.session.execute(text(compiled.sql), compiled.params)
        except DBAPIError as exc:
            if statement_timed_out(exc):
                seconds = max(1, round(self.time_limit_ms / 1000))
                raise ListTimedOut("lists.timed_out", seconds=seconds) from None
            raise

    async def page(self, compiled: Compiled) -> list[Mapping[str, Any]]:
        result = await self._run(compiled)
        return [dict(row) for row in result.mappings()]

    async def count(self, compiled: Compiled) -> int:
        result = await self._run(compiled)
        return int(result.scalar_one())

    async def want_indexes(self, specs: Iterable[IndexSpec]) -> int:
        """Record the indexes the published models want; returns how many are new."""
        rows = [
            {"name": s.name, "type_key": s.type_key, "spec": json.dumps(s.as_json())} for s in specs
        ]
        if not rows:
            return 0
        result = await self.session.execute(
            text(
                "INSERT INTO record_indexes (name, type_key, spec)"
                " SELECT name, type_key, CAST(spec AS jsonb)"
                " FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
                " AS r(name text, type_key text, spec text)"
                " ON CONFLICT (name) DO NOTHING"
            ),
            {"rows": json.dumps(rows)},
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def index_states(self) -> dict[str, str]:
        rows = await self.session.execute(text("SELECT name, status FROM record_indexes"))
        return {r.name: r.status for r in rows}
