"""Row-level security: the second wall. Each rule of the foundation issue, proven."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.database import PREPARE_THRESHOLD
from yiwang.platform.errors import TenantContextMissing
from yiwang.platform.models import Base, tenant_owned_tables
from yiwang.platform.rls import enable_tenant_rls
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.tenants.models import Department

SRC = Path(__file__).resolve().parents[3] / "src"


async def _department_tenants(session: AsyncSession) -> set[int]:
    return set(await session.scalars(select(Department.tenant_id).distinct()))


def test_app_role_is_not_privileged(admin_sql: psycopg.Connection, migrated: Settings) -> None:
    row = admin_sql.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'yiwang_app'"
    ).fetchone()
    assert row == (False, False)
    owners = admin_sql.execute(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
    ).fetchall()
    assert ("yiwang_app",) not in owners


def test_every_tenant_table_forces_rls(admin_sql: psycopg.Connection, migrated: Settings) -> None:
    names = [t.name for t in tenant_owned_tables(Base.metadata)]
    assert "departments" in names
    rows = dict(
        admin_sql.execute(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
            "WHERE relname = ANY(%s)",
            (names,),
        ).fetchall()
    )
    assert rows == {name: True for name in names}


def _policies(
    conn: psycopg.Connection, table: str
) -> dict[str, tuple[str, str | None, str | None]]:
    rows = conn.execute(
        "SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = %s",
        (table,),
    ).fetchall()
    return {name.removeprefix(f"{table}_"): (cmd, qual, check) for name, cmd, qual, check in rows}


def test_every_tenant_table_has_exactly_the_kernels_policies(
    admin_sql: psycopg.Connection, migrated: Settings
) -> None:
    """Migrations copy the policy text (they are frozen); this proves each copy still says
    what `platform.rls` says today, as PostgreSQL itself normalises both."""
    with admin_sql.transaction(force_rollback=True):
        admin_sql.execute("CREATE TABLE rls_reference (tenant_id bigint, id bigint)")
        for statement in enable_tenant_rls("rls_reference", "yiwang_app"):
            admin_sql.execute(statement)
        expected = _policies(admin_sql, "rls_reference")
    assert set(expected) == {"read", "insert", "update", "delete"}
    for table in tenant_owned_tables(Base.metadata):
        assert _policies(admin_sql, table.name) == expected, table.name


async def test_policies_read_the_scope_once_per_statement(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    """The visible ids are an InitPlan's parameter, not an expression the scan evaluates
    for every row (`bench/rls_policy.py` measures what that costs)."""
    scope = TenantScope.subtree(gansu["620000"], list(gansu.values()))
    async with sessions() as session, session.begin():
        await apply_scope(session, scope)
        plan = "\n".join(
            await session.scalars(text("EXPLAIN SELECT count(*) FROM departments WHERE name <> ''"))
        )
        assert await _department_tenants(session) == set(gansu.values())
    assert "InitPlan" in plan
    scanned = [line for line in plan.splitlines() if "departments" in line or "Filter" in line]
    assert not any("current_setting" in line for line in scanned), plan


async def test_county_sees_and_writes_only_itself(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    chengguan, qilihe = gansu["620102"], gansu["620103"]
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(chengguan))
        assert await _department_tenants(session) == {chengguan}
        with pytest.raises(ProgrammingError, match="row-level security"):
            async with session.begin_nested():
                session.add(Department(tenant_id=qilihe, key="x_forged", name="伪造"))
                await session.flush()
        # Updating another tenant's rows touches nothing.
        result = await session.execute(
            text("UPDATE departments SET name = 'hijacked' WHERE tenant_id = :t"), {"t": qilihe}
        )
        assert result.rowcount == 0  # type: ignore[attr-defined]
        await session.rollback()


async def test_subtree_scope_sees_descendants(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    lanzhou_codes = [c for c in gansu if c.startswith("6201")]
    scope = TenantScope.subtree(gansu["620100"], [gansu[c] for c in lanzhou_codes])
    async with sessions() as session, session.begin():
        await apply_scope(session, scope)
        seen = await _department_tenants(session)
    assert seen == {gansu[c] for c in lanzhou_codes}
    assert gansu["620200"] not in seen


async def test_missing_context_yields_nothing_on_a_reused_connection(
    migrated: Settings, gansu: dict[str, int]
) -> None:
    """A pool of one connection: serve one tenant, then run with no context at all."""
    from yiwang.platform.database import create_engine, session_factory

    engine = create_engine(migrated.database_url, pool_size=1, strict_context=False)
    engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    factory = session_factory(engine)
    try:
        async with factory() as session, session.begin():
            await apply_scope(session, TenantScope.single(gansu["620102"]))
            first_pid = await session.scalar(text("SELECT pg_backend_pid()"))
            assert await _department_tenants(session) == {gansu["620102"]}
        async with factory() as session, session.begin():
            assert await session.scalar(text("SELECT pg_backend_pid()")) == first_pid
            setting = await session.scalar(
                text("SELECT current_setting('yiwang.visible_tenants', true)")
            )
            assert setting == ""  # the reused connection reads the old setting as ''
            assert await _department_tenants(session) == set()
            count = await session.scalar(text("SELECT count(*) FROM departments"))
            assert count == 0
    finally:
        await engine.dispose()


async def test_strict_hook_fails_reads_without_context(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    async with sessions() as session:
        with pytest.raises((TenantContextMissing, DBAPIError)) as info:
            await session.execute(select(Department))
        assert "tenant.context_missing" in str(info.value)


def test_context_is_never_session_level() -> None:
    """`set_config(..., false)` would leak into the next checkout of a pooled connection."""
    # a call whose last argument is false (SQL `false`, Python `False`, SQLAlchemy `false()`),
    # arguments nesting one level of parentheses
    session_level = re.compile(
        r"set_config\((?:[^()]|\([^()]*\))*,\s*(?:false|False)(?:\(\))?\s*\)"
    )
    offenders = [str(p) for p in SRC.rglob("*.py") if session_level.search(p.read_text())]
    assert offenders == []
    assert session_level.search("func.set_config('app.tenant', str(x), false())")
    assert session_level.search("SELECT set_config('app.tenant', :v, false)")
    assert not session_level.search("func.set_config('statement_timeout', str(ms), true())")


async def test_prepare_threshold_on_live_connection(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    """Prepared statements are on (safe under RLS: `test_prepared_statements.py`)."""
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(gansu["620102"]))
        raw = await session.connection()
        dbapi = (await raw.get_raw_connection()).driver_connection
        assert dbapi is not None
        assert dbapi.prepare_threshold == PREPARE_THRESHOLD
