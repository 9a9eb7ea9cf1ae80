"""Round trips to PostgreSQL per unit of work: a unit in a scope begins in one.

psycopg alone waits for its own `BEGIN` before the first statement, and the scope's
`set_config` would be one more wait; the unit sends both as one simple query. The
count is taken on the wire: the engine talks to PostgreSQL through a loopback relay
that counts the turns, each time the client speaks again after the server answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from yiwang.platform.database import PREPARE_THRESHOLD, create_engine, session_factory
from yiwang.platform.driver_sql import DriverStatement, driver_rows
from yiwang.platform.settings import Settings
from yiwang.platform.statement_limits import limit_statement_time
from yiwang.platform.tenant_context import TenantScope, begin_statement
from yiwang.platform.unit_of_work import unit_of_work

SCOPE_SQL = "SELECT current_setting('yiwang.tenant_id'), current_setting('yiwang.visible_tenants')"


class Relay:
    """A TCP relay to PostgreSQL that counts the client's turns to speak."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.turns = 0
        self._client_spoke_last = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, client: bool
    ) -> None:
        with suppress(ConnectionError):
            while data := await reader.read(65536):
                if client and not self._client_spoke_last:
                    self.turns += 1
                self._client_spoke_last = client
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        for task in (
            asyncio.create_task(self._pipe(reader, upstream_writer, client=True)),
            asyncio.create_task(self._pipe(upstream_reader, writer, client=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._server.close()
        for task in list(self._tasks):
            task.cancel()


@pytest.fixture
async def relayed(migrated: Settings) -> AsyncIterator[tuple[AsyncEngine, Relay]]:
    """An engine of one connection, through the relay."""
    url = make_url(migrated.database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    port = await relay.start()
    engine = create_engine(
        url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False),
        pool_size=1,
        strict_context=True,
    )
    try:
        yield engine, relay
    finally:
        await engine.dispose()
        await relay.stop()


async def _warm(factory: async_sessionmaker[AsyncSession], scope: TenantScope) -> None:
    """Connect and use the pool's one connection (its first use runs the dialect's checks)."""
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        await uow.session.execute(text("SELECT 1"))


async def test_a_scoped_unit_begins_in_one_round_trip(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    engine, relay = relayed
    qinzhou, maiji = gansu["620502"], gansu["620503"]
    scope = TenantScope.subtree(qinzhou, [qinzhou, maiji])
    factory = session_factory(engine)
    await _warm(factory, scope)
    relay.turns = 0
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        seen = (await uow.session.execute(text(SCOPE_SQL))).one()
    assert tuple(seen) == (str(qinzhou), f"{{{qinzhou},{maiji}}}")
    assert relay.turns == 3  # BEGIN with the scope, the statement, COMMIT


async def test_a_unit_s_audit_records_go_with_its_commit(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    """The unit's last statement, the audit append, and COMMIT are one turn, not two."""
    engine, relay = relayed
    scope = TenantScope.single(gansu["620502"])
    factory = session_factory(engine)
    await _warm(factory, scope)
    relay.turns = 0
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        await uow.session.execute(text(SCOPE_SQL))
        await uow.audit(action="test.turns", object_type="thing", tenant_id=gansu["620502"])
    assert relay.turns == 3  # BEGIN with the scope, the statement, the append with COMMIT


async def test_a_unit_switching_scope_sets_it_in_the_transaction(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    engine, relay = relayed
    first, second = TenantScope.single(gansu["620502"]), TenantScope.single(gansu["620102"])
    factory = session_factory(engine)
    await _warm(factory, first)
    relay.turns = 0
    async with unit_of_work(factory, actor="test", scope=first) as uow:
        before = (await uow.session.execute(text(SCOPE_SQL))).one()
        await uow.use_scope(second)
        after = (await uow.session.execute(text(SCOPE_SQL))).one()
    assert before[0] == str(gansu["620502"])
    assert tuple(after) == (str(gansu["620102"]), f"{{{gansu['620102']}}}")
    # BEGIN with the first scope, a statement, the second scope, a statement, COMMIT
    assert relay.turns == 5


async def test_a_limit_asked_for_before_the_first_statement_goes_with_the_begin(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    """A list page asks for the statement time limit before its unit's first statement:
    no round trip of its own, and the unit after it on the same connection is unbounded."""
    engine, relay = relayed
    scope = TenantScope.single(gansu["620502"])
    factory = session_factory(engine)
    await _warm(factory, scope)
    relay.turns = 0
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        await limit_statement_time(uow.session, 1234)
        limit = await uow.session.scalar(text("SHOW statement_timeout"))
        seen = (await uow.session.execute(text(SCOPE_SQL))).one()
    assert (limit, seen[0]) == ("1234ms", str(gansu["620502"]))
    assert relay.turns == 4  # BEGIN with the scope and the limit, two statements, COMMIT
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        assert await uow.session.scalar(text("SHOW statement_timeout")) == "0"


_DRIVER_SCOPE = DriverStatement(
    text(
        "SELECT current_setting('yiwang.tenant_id') AS acting,"
        " current_setting('yiwang.visible_tenants') AS visible,"
        " (SELECT count(*) FROM departments) AS departments, CAST(:echo AS text) AS echo"
    )
)


async def test_a_unit_s_first_driver_statement_carries_its_begin(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    """Once psycopg has prepared it, a unit's first driver statement goes with the BEGIN and
    the scope in one turn, in that scope (row-level security included); before, the
    BEGIN goes first, as for any other statement."""
    engine, relay = relayed
    qinzhou, maiji = gansu["620502"], gansu["620503"]
    scope = TenantScope.subtree(qinzhou, [qinzhou, maiji])
    factory = session_factory(engine)
    await _warm(factory, scope)
    turns = []
    for i in range(PREPARE_THRESHOLD + 2):
        relay.turns = 0
        one = TenantScope.single(maiji) if i % 2 else scope  # the last: the subtree
        async with unit_of_work(factory, actor="test", scope=one) as uow:
            rows = await driver_rows(uow.session, _DRIVER_SCOPE, {"echo": f"第{i}次"})
            again = await driver_rows(uow.session, _DRIVER_SCOPE, {"echo": "又"})
        turns.append(relay.turns)
        assert rows[0]["acting"] == str(one.acting_tenant_id)
        assert rows[0]["visible"] == one.visible_literal() and rows[0]["echo"] == f"第{i}次"
        assert again[0]["visible"] == one.visible_literal()
    async with unit_of_work(factory, actor="test", scope=scope) as uow:  # the session's way
        subtree = (await uow.session.execute(text("SELECT count(*) FROM departments"))).one()
    assert rows[0]["departments"] == subtree[0] > 0
    # BEGIN with the scope, the statement twice, COMMIT; then the first with its BEGIN
    assert turns[:2] == [4, 4] and turns[-1] == 3


_DRIVER_LIMIT = DriverStatement(
    text(
        "SELECT current_setting('statement_timeout') AS limit_,"
        " current_setting('yiwang.tenant_id') AS acting, CAST(:echo AS text) AS echo"
    )
)


async def test_a_limit_asked_for_before_a_first_driver_statement_still_bounds_it(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    """A prepared driver statement would carry the BEGIN in its own round trip; a pending
    statement time limit goes with the BEGIN and the scope instead, so it bounds the unit."""
    engine, relay = relayed
    scope = TenantScope.single(gansu["620502"])
    factory = session_factory(engine)
    await _warm(factory, scope)
    for i in range(PREPARE_THRESHOLD + 1):
        async with unit_of_work(factory, actor="test", scope=scope) as uow:
            await driver_rows(uow.session, _DRIVER_LIMIT, {"echo": str(i)})
    relay.turns = 0
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        await limit_statement_time(uow.session, 4321)
        rows = await driver_rows(uow.session, _DRIVER_LIMIT, {"echo": "限"})
    assert rows == [{"limit_": "4321ms", "acting": str(gansu["620502"]), "echo": "限"}]
    assert relay.turns == 3  # BEGIN with the scope and the limit, the statement, COMMIT


_DIVIDE = DriverStatement(
    text("SELECT 10 / CAST(:by AS integer) AS q, current_setting('yiwang.tenant_id') AS acting")
)


async def test_a_failing_first_statement_with_its_begin_rolls_the_unit_back(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    """An error of the statement sent with its BEGIN is SQLAlchemy's, the unit rolls back, and
    the pool's one connection serves the next unit in its own scope."""
    engine, relay = relayed
    scope, other = TenantScope.single(gansu["620502"]), TenantScope.single(gansu["620102"])
    factory = session_factory(engine)
    await _warm(factory, scope)
    for _ in range(PREPARE_THRESHOLD + 1):
        async with unit_of_work(factory, actor="test", scope=scope) as uow:
            await driver_rows(uow.session, _DIVIDE, {"by": 5})
    relay.turns = 0
    with pytest.raises(DBAPIError, match="division by zero"):
        async with unit_of_work(factory, actor="test", scope=scope) as uow:
            await driver_rows(uow.session, _DIVIDE, {"by": 0})
    assert relay.turns == 3  # the pipeline, ROLLBACK, psycopg's DEALLOCATE ALL after it
    async with unit_of_work(factory, actor="test", scope=other) as uow:
        rows = await driver_rows(uow.session, _DIVIDE, {"by": 2})
    assert rows == [{"q": 5, "acting": str(gansu["620102"])}]


async def test_a_statement_refused_before_its_pipeline_leaves_the_unit_in_its_scope(
    relayed: tuple[AsyncEngine, Relay], gansu: dict[str, int]
) -> None:
    """Parameters psycopg cannot adapt fail before anything is sent: the owed BEGIN with the
    scope is sent on its own, so a caller that goes on finds the unit in its scope."""
    engine, _ = relayed
    scope = TenantScope.single(gansu["620502"])
    factory = session_factory(engine)
    await _warm(factory, scope)
    for _ in range(PREPARE_THRESHOLD + 1):
        async with unit_of_work(factory, actor="test", scope=scope) as uow:
            await driver_rows(uow.session, _DIVIDE, {"by": 5})
    async with unit_of_work(factory, actor="test", scope=scope) as uow:
        with pytest.raises(DBAPIError, match="cannot adapt"):
            await driver_rows(uow.session, _DIVIDE, {"by": object()})
        seen = (await uow.session.execute(text(SCOPE_SQL))).one()
    assert tuple(seen) == (str(gansu["620502"]), f"{{{gansu['620502']}}}")


def test_the_begin_statement_holds_only_integers() -> None:
    assert begin_statement(TenantScope(7, (7, 8))) == (
        b"BEGIN; SELECT set_config('yiwang.tenant_id', '7', true),"
        b" set_config('yiwang.visible_tenants', '{7,8}', true)"
    )
    assert begin_statement(TenantScope(7, (7,)), 5000).endswith(
        b", set_config('statement_timeout', '5000', true)"
    )
    with pytest.raises(ValueError, match="invalid literal for int"):
        begin_statement(TenantScope(7, ("8'); DROP TABLE cases; --",)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid literal for int"):
        begin_statement(TenantScope(7, (7,)), "1'); DROP TABLE cases; --")  # type: ignore[arg-type]
