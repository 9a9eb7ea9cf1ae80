"""What a metadata publish asks of records: the impact preview counts the records a new
model would refuse, and the list indexes the new model wants are built by the owner."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from tests.integration.metadata.conftest import (
    ROLES,
    restore,  # noqa: F401  (a fixture)
)
from tests.integration.runtime.conftest import Runtime, special_fund
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.dependencies import PublishChecks
from yiwang.runtime.lists.builder import IndexBuilder
from yiwang.runtime.lists.compile import compile_page
from yiwang.runtime.lists.indexes import IndexPart, IndexSpec
from yiwang.runtime.records.commands import want_every_index

COUNTY = "620121"  # 永登县: no example overlay of its own, no other test's records


def _overlay(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant": COUNTY,
        "label": "永登县扩展",
        "documents": {"special_fund": {"fields": fields}},
    }


@pytest.fixture
async def county_funds(runtime: Runtime, tag: str) -> dict[str, int]:
    """Two funds of the county: one without the optional legal basis, one with it."""
    async with runtime.records(COUNTY) as records:
        bare = await records.create("special_fund", special_fund(f"b{tag}", 2050))
        based = await records.create(
            "special_fund", special_fund(f"c{tag}", 2050, legal_basis="《预算法》第三十二条")
        )
    return {"bare": bare.id, "based": based.id}


async def test_the_preview_counts_the_records_a_change_would_refuse(
    runtime: Runtime,
    county_funds: dict[str, int],
    restore: None,  # noqa: F811
) -> None:
    scope = TenantScope.single(runtime.tree.node(COUNTY).id)
    checks = PublishChecks(runtime.seal, None)
    stricter = _overlay({"legal_basis": {"required": True}})
    async with unit_of_work(runtime.sessions, actor="op", scope=scope) as uow:
        service = MetadataService(uow, runtime.tree, runtime.models, ROLES, checks)
        preview = await service.preview(COUNTY, stricter)
        relabelled = await service.preview(COUNTY, _overlay({"legal_basis": {"label": "依据"}}))
    bare = [r for r in preview.first_invalid.get(COUNTY, []) if r["id"] == county_funds["bare"]]
    assert bare == [
        {
            "id": county_funds["bare"],
            "type": "special_fund",
            "number": f"{COUNTY}-{county_funds['bare']}",
        }
    ]
    assert county_funds["based"] not in [r["id"] for r in preview.first_invalid[COUNTY]]
    assert preview.invalid_records[COUNTY] == len(preview.first_invalid[COUNTY])
    assert preview.as_dict()["invalid_records"] == {COUNTY: preview.invalid_records[COUNTY]}
    assert relabelled.invalid_records == {}


async def test_a_publish_wants_its_indexes_and_the_owner_builds_them(
    runtime: Runtime,
    migrated: Settings,
    admin_sql: psycopg.Connection,
    restore: None,  # noqa: F811
) -> None:
    builder = IndexBuilder(migrated.migration_database_url)
    checks = PublishChecks(runtime.seal, builder)
    scope = TenantScope.single(runtime.tree.node(COUNTY).id)
    field = {"type": "text", "label": "永登县项目编码", "max_length": 40, "indexed": True}
    async with unit_of_work(runtime.sessions, actor="op", scope=scope) as uow:
        service = MetadataService(uow, runtime.tree, runtime.models, ROLES, checks)
        await service.publish(COUNTY, content=_overlay({"x_yd_project_code": field}))
    spec = IndexSpec("special_fund", (IndexPart("x_yd_project_code", "text"),))
    await builder.idle()
    row = admin_sql.execute(
        "SELECT r.status, r.error, i.indisvalid, pg_get_indexdef(i.indexrelid)"
        " FROM record_indexes r JOIN pg_class c ON c.relname = r.name"
        " JOIN pg_index i ON i.indexrelid = c.oid WHERE r.name = %s",
        (spec.name,),
    ).fetchone()
    assert row is not None
    status, error, valid, definition = row
    assert (status, error, valid) == ("ready", None, True)
    assert "(tenant_id, yiwang_text(data, 'x_yd_project_code'::text), id)" in definition
    assert "WHERE ((type_key = 'special_fund'::text) AND (deleted_at IS NULL))" in definition
    admin_sql.execute(f"DROP INDEX IF EXISTS {spec.name}")
    admin_sql.execute("DELETE FROM record_indexes WHERE name = %s", (spec.name,))


async def test_a_tampered_specification_is_refused_by_the_owner(
    migrated: Settings, admin_sql: psycopg.Connection
) -> None:
    """Whoever can write `record_indexes` (the app role) cannot make the owner run SQL."""
    evil = {
        "type_key": "special_fund",
        "parts": [{"field": "x'); DROP TABLE records; --", "kind": "text", "order": "asc"}],
    }
    name = "rx_special_fund_0000000000evil"
    admin_sql.execute(
        "INSERT INTO record_indexes (name, type_key, spec) VALUES (%s, 'special_fund', %s::jsonb)",
        (name, psycopg.types.json.Jsonb(evil)),
    )
    try:
        built = await IndexBuilder(migrated.migration_database_url).build_pending()
        assert [(b.name, b.status) for b in built if b.name == name] == [(name, "failed")]
        assert admin_sql.execute("SELECT to_regclass('records') IS NOT NULL").fetchone() == (True,)
        assert admin_sql.execute(
            "SELECT status FROM record_indexes WHERE name = %s", (name,)
        ).fetchone() == ("failed",)
    finally:
        admin_sql.execute("DELETE FROM record_indexes WHERE name = %s", (name,))


async def test_list_queries_run_on_the_expression_indexes(
    runtime: Runtime, migrated: Settings, tag: str, admin_sql: psycopg.Connection
) -> None:
    async with unit_of_work(runtime.sessions, actor="op") as uow:
        await want_every_index(uow, runtime.tree, runtime.models)
    built = await IndexBuilder(migrated.migration_database_url).build_pending()
    assert all(b.status == "ready" for b in built), [b for b in built if b.status != "ready"]
    admin_sql.execute("ANALYZE records")  # the planner's statistics of the expressions
    province = runtime.tree.node("620000")
    async with runtime.lists("620000") as lists:
        model = await runtime.models.effective(lists.uow.session, runtime.tree, "620000")
        document = model.document("special_fund")
        plans = {
            "fund_kind": lists.plan(document, "public_index", {"filter.fund_kind": ["2"]}),
            "competent_department": lists.plan(
                document, "staff_index", {"filter.competent_department": [f"d{tag}"]}
            ),
        }
        for label, plan in plans.items():
            compiled = compile_page(
                document,
                plan,
                tenant_ids=(province.id,),
                restrict_to_department=False,
                department=None,
                after=None,
                reveal=False,
            )
            await lists.uow.session.execute(text("SET LOCAL enable_seqscan = off"))
            await lists.uow.session.execute(text("SET LOCAL enable_bitmapscan = off"))
            rows = await lists.uow.session.execute(text("EXPLAIN " + compiled.sql), compiled.params)
            plan_text = "\n".join(r[0] for r in rows)
            assert "Index Scan" in plan_text and "rx_special_fund_" in plan_text, (label, plan_text)
            assert "Sort" not in plan_text, (label, plan_text)  # the index gives the order
            # under row-level security only a leakproof condition reaches the index
            condition = next(line for line in plan_text.splitlines() if "Index Cond" in line)
            assert f"yiwang_text(data, '{label}'::text) =" in condition, plan_text
