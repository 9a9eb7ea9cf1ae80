"""Server-side prepared statements under row-level security.

The engine lets psycopg prepare a statement after `PREPARE_THRESHOLD` runs on a
connection. A prepared statement keeps its plan, and with `force_generic_plan`
PostgreSQL plans it once for any parameters; the policies must still read the scope
when the plan runs, so the same statement under the next tenant's scope returns only
that tenant's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from yiwang.platform.database import (
    PENDING_SCOPE_KEY,
    PREPARE_THRESHOLD,
    create_engine,
    session_factory,
)
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope

#: a statement of ours (the key excludes no row: it is there to make a bound parameter)
DEPARTMENTS = text("SELECT DISTINCT tenant_id FROM departments WHERE key <> :never")
RUNS = PREPARE_THRESHOLD + 3


@pytest.fixture
async def one_connection(migrated: Settings) -> AsyncIterator[AsyncEngine]:
    """A pool of one connection that plans every prepared statement generically."""
    engine = create_engine(migrated.database_url, pool_size=1, strict_context=True)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
            await conn.commit()
        yield engine
    finally:
        await engine.dispose()


async def _seen(session: AsyncSession) -> set[int]:
    return set((await session.scalars(DEPARTMENTS, {"never": "-"})).all())


async def _runs_in(engine: AsyncEngine, scope: TenantScope) -> list[set[int]]:
    """The statement `RUNS` times in `scope`, one transaction (and unit) each."""
    factory = session_factory(engine)
    seen = []
    for _ in range(RUNS):
        async with factory() as session:
            session.info[PENDING_SCOPE_KEY] = scope
            async with session.begin():
                seen.append(await _seen(session))
    return seen


async def _generic_plans(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT generic_plans, current_setting('plan_cache_mode')"
                " FROM pg_prepared_statements WHERE statement LIKE :s"
            ),
            {"s": "SELECT DISTINCT tenant_id FROM departments WHERE key <> %"},
        )
        found = row.one()
        await conn.commit()
    assert found[1] == "force_generic_plan"
    return int(found[0])


async def test_a_prepared_statement_reads_the_next_tenants_scope(
    one_connection: AsyncEngine, gansu: dict[str, int]
) -> None:
    chengguan, qinzhou = gansu["620102"], gansu["620502"]
    first = await _runs_in(one_connection, TenantScope.single(chengguan))
    assert first == [{chengguan}] * RUNS
    prepared = await _generic_plans(one_connection)
    assert prepared == RUNS - PREPARE_THRESHOLD  # prepared at the threshold, planned generically
    second = await _runs_in(one_connection, TenantScope.single(qinzhou))
    assert second == [{qinzhou}] * RUNS
    assert await _generic_plans(one_connection) == prepared + RUNS  # the same plan, reused


async def test_a_prepared_statement_reads_the_next_subtree(
    one_connection: AsyncEngine, gansu: dict[str, int]
) -> None:
    def subtree(prefix: str) -> TenantScope:
        ids = [gansu[c] for c in gansu if c.startswith(prefix)]
        return TenantScope.subtree(gansu[prefix + "00"], ids)

    lanzhou, tianshui = subtree("6201"), subtree("6205")
    assert set(lanzhou.visible_tenant_ids).isdisjoint(tianshui.visible_tenant_ids)
    first = await _runs_in(one_connection, lanzhou)
    assert first == [set(lanzhou.visible_tenant_ids)] * RUNS
    prepared = await _generic_plans(one_connection)
    assert prepared == RUNS - PREPARE_THRESHOLD
    second = await _runs_in(one_connection, tianshui)
    assert second == [set(tianshui.visible_tenant_ids)] * RUNS
    assert await _generic_plans(one_connection) == prepared + RUNS
