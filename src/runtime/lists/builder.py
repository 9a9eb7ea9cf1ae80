"""Building the wanted expression indexes, as the database owner, outside any transaction.

CREATE INDEX CONCURRENTLY lets a live tenant keep writing while an index is
built; it cannot run in a transaction, so this uses an autocommit connection
of the owner role (the migration URL), never the application's. A failed
build leaves an invalid index behind, which is dropped (concurrently too)
before the specification is marked failed with PostgreSQL's message. After a
build the table is analysed, so the planner has statistics for the new expressions.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import psycopg
import structlog
from sqlalchemy.engine import make_url

from yiwang.runtime.lists.indexes import IndexSpec

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Built:
    name: str
    status: str
    error: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "status": self.status, "error": self.error}


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+psycopg://...`) as psycopg's own connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class IndexBuilder:
    """Builds what `record_indexes` wants; one build at a time per process."""

    def __init__(self, owner_url: str) -> None:
        self.owner_url = libpq_url(owner_url)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[list[Built]] | None = None
        self._again = False

    async def build_pending(self) -> list[Built]:
        async with (
            self._lock,
            await psycopg.AsyncConnection.connect(self.owner_url, autocommit=True) as conn,
        ):
            rows = await (
                await conn.execute(
                    "SELECT w.name, w.spec, i.indisvalid FROM record_indexes w"
                    " LEFT JOIN pg_class c ON c.relname = w.name"
                    " LEFT JOIN pg_index i ON i.indexrelid = c.oid"
                    " WHERE w.status <> 'ready' OR i.indisvalid IS NOT TRUE"
                    " ORDER BY w.requested_at, w.name"
                )
            ).fetchall()
            built = [await self._build(conn, name, spec, valid) for name, spec, valid in rows]
            if any(b.status == "ready" for b in built):
                # expression statistics come only from ANALYZE; without them the
                # planner cannot tell a selective expression index from the rest
                await conn.execute("ANALYZE records")
            return built

    async def _build(
        self,
        conn: psycopg.AsyncConnection[tuple[object, ...]],
        name: str,
        raw: object,
        valid: object,
    ) -> Built:
        try:
            spec = IndexSpec.from_json(raw)
            if spec.name != name:
                raise ValueError("the name does not match the specification")
        except ValueError as exc:
            await self._mark(conn, name, "failed", f"refused: {exc}")
            return Built(name, "failed", str(exc))
        try:
            if valid is False:
                await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {spec.name}")
            await conn.execute(spec.ddl())
        except psycopg.Error as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            try:
                await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {spec.name}")
            except psycopg.Error:
                log.warning("record_index_drop_failed", name=spec.name)
            await self._mark(conn, name, "failed", message)
            return Built(name, "failed", message)
        await self._mark(conn, name, "ready", None)
        return Built(name, "ready")

    @staticmethod
    async def _mark(
        conn: psycopg.AsyncConnection[tuple[object, ...]], name: str, status: str, error: str | None
    ) -> None:
        await conn.execute(
            "UPDATE record_indexes SET status = %s, error = %s,"
            " built_at = CASE WHEN %s = 'ready' THEN now() ELSE built_at END WHERE name = %s",
            (status, error, status, name),
        )

    def wake(self) -> None:
        """Build in the background (after a publish has committed); errors are logged."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="record-indexes")

    async def _run(self) -> list[Built]:
        built: list[Built] = []
        while self._again:
            self._again = False
            try:
                built = await self.build_pending()
            except Exception:  # retried by the next publish or by the command
                log.warning("record_index_build_failed", exc_info=True)
        return built

    async def idle(self) -> None:
        """Wait for a background build to finish (tests, shutdown)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
