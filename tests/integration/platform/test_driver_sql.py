"""A hot statement sent through psycopg alone (`platform.driver_sql`): in the unit's
transaction and scope, seen by the engine's statement listeners, refused by the strict
wall without a scope, and its errors raised as SQLAlchemy's."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from yiwang.platform.driver_sql import DriverStatement, driver_rows
from yiwang.platform.errors import TenantContextMissing
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work

_DEPARTMENTS = DriverStatement(
    text(
        "SELECT tenant_id, count(*) AS n, current_setting('yiwang.tenant_id') AS acting,"
        " CAST(:echo AS text) AS echo FROM departments GROUP BY tenant_id"
    )
)
_TWICE = DriverStatement(
    text(
        "INSERT INTO case_counters (tenant_id, day, last)"
        " VALUES (:tenant, CAST(:day AS date), 1), (:tenant, CAST(:day AS date), 2)"
    )
)


async def test_a_statement_runs_in_the_units_scope_and_its_listeners_see_it(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
) -> None:
    tenant = gansu["620102"]
    seen: list[tuple[str, Any]] = []

    def record(_: Any, __: Any, statement: str, parameters: Any, *rest: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with unit_of_work(sessions, actor="tester", scope=TenantScope.single(tenant)) as uow:
            rows = await driver_rows(uow.session, _DEPARTMENTS, {"echo": "它's %s"})
            # the same transaction: what the session wrote, the driver statement reads
            await uow.session.execute(text("SELECT set_config('yiwang.probe', 'x', true)"))
            probe = await driver_rows(
                uow.session,
                DriverStatement(text("SELECT current_setting('yiwang.probe') AS p")),
                {},
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert rows and {r["tenant_id"] for r in rows} == {tenant}  # RLS: this tenant only
    assert rows[0]["acting"] == str(tenant) and rows[0]["echo"] == "它's %s"
    assert probe == [{"p": "x"}]
    assert any(s == _DEPARTMENTS.sql and p == {"echo": "它's %s"} for s, p in seen)


async def test_without_a_scope_the_strict_wall_refuses_it(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    async with sessions() as session:
        with pytest.raises(TenantContextMissing):
            await driver_rows(session, _DEPARTMENTS, {"echo": "x"})


async def test_a_driver_error_is_sqlalchemys_and_the_unit_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
    admin_sql: psycopg.Connection,
) -> None:
    tenant = gansu["620102"]
    day = "1999-01-0" + str(1 + id(sessions) % 9)
    with pytest.raises(IntegrityError):
        async with unit_of_work(sessions, actor="tester", scope=TenantScope.single(tenant)) as uow:
            await driver_rows(uow.session, _TWICE, {"tenant": tenant, "day": day})
    left = admin_sql.execute(
        "SELECT count(*) FROM case_counters WHERE tenant_id = %s AND day = %s", (tenant, day)
    ).fetchone()
    assert left == (0,)
    # the pool's connection serves the next unit
    async with unit_of_work(sessions, actor="tester", scope=TenantScope.single(tenant)) as uow:
        assert await driver_rows(uow.session, _DEPARTMENTS, {"echo": "y"})


async def test_rows_keep_their_names_and_values_from_one_execution_to_the_next(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    """The column names are read once per statement; every row still gets its own values,
    and a statement without a result answers no rows."""
    statement = DriverStatement(
        text("SELECT CAST(:n AS int) AS n, CAST(:t AS text) AS t, g FROM generate_series(1, :k) g")
    )
    scope = TenantScope.single(gansu["620102"])
    async with unit_of_work(sessions, actor="tester", scope=scope) as uow:
        first = await driver_rows(uow.session, statement, {"n": 1, "t": "一", "k": 2})
        second = await driver_rows(uow.session, statement, {"n": 2, "t": None, "k": 1})
        none = await driver_rows(
            uow.session, DriverStatement(text("SELECT set_config('yiwang.x', 'y', true)")), {}
        )
        nothing = await driver_rows(
            uow.session, DriverStatement(text("CREATE TEMP TABLE driver_sql_t (a int)")), {}
        )
    assert first == [{"n": 1, "t": "一", "g": 1}, {"n": 1, "t": "一", "g": 2}]
    assert second == [{"n": 2, "t": None, "g": 1}]
    assert none == [{"set_config": "y"}] and nothing == []
