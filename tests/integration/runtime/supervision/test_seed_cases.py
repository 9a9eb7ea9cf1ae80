"""`yiwang bench seed --cases`: cases in every state with their timelines, facts,
evaluations, complaints, warnings and orders, written through the tenant's scope."""

from __future__ import annotations

import psycopg

from tests.integration.runtime.supervision.conftest import (
    SEED_NOW,
    SEEDED,
    SUPERVISION_TABLES,
    Seeding,
    last_case_id,
)
from yiwang.runtime.seeding.cases import STATES, CaseSeeder


async def test_seeded_cases_hold_together(admin_sql: psycopg.Connection, seeding: Seeding) -> None:
    reported: list[tuple[str, int, int]] = []
    seeder = CaseSeeder(seeding.units, seeding.tree, 5, lambda *a: reported.append(a))
    result = await seeder.run(600)
    assert result.written["cases"] == 600
    assert reported[-1] == (SEEDED, 600, 600)
    tenant_id, after_last_case = seeding.tenant_id, seeding.after
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
    admin_sql: psycopg.Connection, seeding: Seeding
) -> None:
    def seeded(after: int) -> list[tuple[object, ...]]:
        return admin_sql.execute(
            "SELECT status, version, service_item, form_data, submitted_at, updated_at,"
            " promised_due, statutory_due, colour, right(number, 8)"
            " FROM cases WHERE tenant_id = %s AND id > %s ORDER BY right(number, 8)",
            (seeding.tenant_id, after),
        ).fetchall()

    runs = []
    for seed in (11, 11, 12):
        after = last_case_id(admin_sql)
        seeder = CaseSeeder(
            seeding.units, seeding.tree, seed, lambda *a: None, now=SEED_NOW, workers=2
        )
        await seeder.run(150)
        runs.append(seeded(after))
    assert len(runs[0]) == 150
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
