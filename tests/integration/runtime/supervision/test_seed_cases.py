"""`yiwang bench seed --cases`: cases in every state with their timelines, facts,
evaluations, complaints, warnings and orders, written through the tenant's scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.supervision.conftest import SUPERVISION_TABLES
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.seeding.cases import STATES, CaseSeeder
from yiwang.tenants.tree import TenantTree

CODE = "620123"  # 榆中县


@pytest.fixture
def after_last_case(admin_sql: psycopg.Connection, installed: TenantTree) -> Iterator[int]:
    tenant_id = installed.node(CODE).id
    row = admin_sql.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()
    assert row is not None
    yield int(row[0])
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM cases WHERE tenant_id = %s AND id > %s", (tenant_id, row[0])
        ).fetchall()
    ]
    for table in SUPERVISION_TABLES:
        admin_sql.execute(
            f"DELETE FROM {table} WHERE tenant_id = %s AND case_id = ANY(%s)", (tenant_id, ids)
        )
    admin_sql.execute("DELETE FROM cases WHERE tenant_id = %s AND id = ANY(%s)", (tenant_id, ids))


async def test_seeded_cases_hold_together(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    admin_sql: psycopg.Connection,
    after_last_case: int,
) -> None:
    tree = TenantTree.of([installed.node(CODE)])
    reported: list[tuple[str, int, int]] = []

    def units(scope: TenantScope | None = None):  # type: ignore[no-untyped-def]
        return unit_of_work(sessions, actor="test", scope=scope)

    result = await CaseSeeder(units, tree, 5, lambda *a: reported.append(a)).run(600)
    assert result.written["cases"] == 600
    assert reported[-1] == (CODE, 600, 600)
    tenant_id = installed.node(CODE).id
    rows = dict(
        admin_sql.execute(
            "SELECT status, count(*) FROM cases WHERE tenant_id = %s AND id > %s GROUP BY status",
            (tenant_id, after_last_case),
        ).fetchall()
    )
    assert set(rows) == {s[0] for s in STATES}
    assert sum(rows.values()) == 600
    # every dependent row of the tenant refers to a case of the same tenant
    for table in SUPERVISION_TABLES:
        orphans = admin_sql.execute(
            f"SELECT count(*) FROM {table} t LEFT JOIN cases c"
            " ON c.tenant_id = t.tenant_id AND c.id = t.case_id"
            " WHERE t.tenant_id = %s AND t.case_id > %s AND c.id IS NULL",
            (tenant_id, after_last_case),
        ).fetchone()
        assert orphans == (0,), table
    written = admin_sql.execute(
        "SELECT count(*) FROM case_events WHERE tenant_id = %s AND case_id > %s",
        (tenant_id, after_last_case),
    ).fetchone()
    assert written == (result.written["case_events"],)
    assert result.written["supervision_case_facts"] == 600
    assert min(result.written[t] for t in ("supervision_evaluations", "case_outbox")) > 0


async def test_the_same_seed_gives_the_same_cases(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    admin_sql: psycopg.Connection,
    after_last_case: int,
) -> None:
    tree = TenantTree.of([installed.node(CODE)])
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)

    def units(scope: TenantScope | None = None):  # type: ignore[no-untyped-def]
        return unit_of_work(sessions, actor="test", scope=scope)

    def seeded(after: int) -> list[tuple[object, ...]]:
        return admin_sql.execute(
            "SELECT status, version, service_item, form_data, submitted_at, updated_at,"
            " promised_due, statutory_due, colour, right(number, 8)"
            " FROM cases WHERE tenant_id = %s AND id > %s ORDER BY right(number, 8)",
            (installed.node(CODE).id, after),
        ).fetchall()

    runs = []
    for seed in (11, 11, 12):
        row = admin_sql.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()
        assert row is not None
        await CaseSeeder(units, tree, seed, lambda *a: None, now=now, workers=2).run(150)
        runs.append(seeded(int(row[0])))
    assert len(runs[0]) == 150
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
