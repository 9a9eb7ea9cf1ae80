"""`yiwang bench seed --records`: the first records of a type made in Python, the rest
copied by PostgreSQL with their varying fields drawn anew; every one valid against
its tenant's model, in its tenant, and the same seed gives the same records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.conftest import Runtime
from yiwang.metadata.generators.validation import record_validator
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, unit_of_work
from yiwang.runtime.records.privacy import merge
from yiwang.runtime.seeding.service import Seeder, type_counts

#: the county these tests write records into (永登县, under 兰州市 620100)
SEEDED = "620121"
TOTAL = 900
#: records of a type made in Python here; the rest are copies, in batches of `BATCH`
POOL, BATCH = 25, 70


def last_record_id(admin_sql: psycopg.Connection) -> int:
    row = admin_sql.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def after(admin_sql: psycopg.Connection, runtime: Runtime) -> Iterator[int]:
    """The largest record id before the test; the records it wrote removed after it."""
    tenant_id = runtime.tree.node(SEEDED).id
    first = last_record_id(admin_sql)
    yield first
    admin_sql.execute("DELETE FROM records WHERE tenant_id = %s AND id > %s", (tenant_id, first))


def seeder(runtime: Runtime, seed: int) -> Seeder:
    sessions: async_sessionmaker[AsyncSession] = runtime.sessions

    def units() -> AbstractAsyncContextManager[UnitOfWork]:
        return unit_of_work(sessions, actor="test")

    return Seeder(
        units, runtime.tree, runtime.models, runtime.seal, seed, clone_pool=POOL, clone_batch=BATCH
    )


def written(admin_sql: psycopg.Connection, after: int) -> list[tuple[Any, ...]]:
    return admin_sql.execute(
        "SELECT tenant_id, id, type_key, department, data, form_key, form_data, pii_sealed"
        " FROM records WHERE id > %s ORDER BY id",
        (after,),
    ).fetchall()


async def test_copied_records_are_valid_and_stay_in_their_tenant(
    admin_sql: psycopg.Connection, runtime: Runtime, after: int
) -> None:
    result = await seeder(runtime, 4).run(TOTAL, SEEDED)
    node = runtime.tree.node(SEEDED)
    rows = written(admin_sql, after)
    assert sum(result.written.values()) == len(rows) == TOTAL
    assert {r[0] for r in rows} == {node.id}
    counts = type_counts(TOTAL)
    by_type: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_type.setdefault(row[2], []).append(row)
    # copied types reach their share; Python-made types with caps may stop short
    for type_key in ("service_item", "application", "certificate", "consultation"):
        assert len(by_type[type_key]) == counts[type_key] > POOL, type_key
    # evaluations rate copied applications too, not only the pool's
    assert len(by_type["evaluation"]) == counts["evaluation"]
    async with unit_of_work(runtime.sessions, actor="test") as uow:
        await uow.use_scope(TenantScope.single(node.id))
        model = await runtime.models.effective(uow.session, runtime.tree, SEEDED)
    for type_key, stored in by_type.items():
        validator = record_validator(model, type_key)
        for _, record_id, _, _, data, form_key, form_data, sealed in stored:
            opened = runtime.seal.open(node.id, type_key, sealed) if sealed else {}
            problems = validator.errors(merge(data, opened.get("data")))
            assert not problems, (type_key, record_id, problems[:3])
            if form_key:
                form = merge(form_data or {}, opened.get("form"))
                assert not record_validator(model, form_key).errors(form), (form_key, record_id)
    # copies vary: the service items' names and task codes are not the pool's few
    names = {r[4]["task_name"] for r in by_type["service_item"]}
    codes = [r[4]["task_code"] for r in by_type["service_item"]]
    assert len(names) > POOL
    assert len(set(codes)) == len(codes)


async def test_the_same_seed_gives_the_same_records(
    admin_sql: psycopg.Connection, runtime: Runtime, after: int
) -> None:
    def content(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows' values, a reference to a record of the run as that record's position
        (ids come from the sequence: another run, other ids)."""
        position = {str(r[1]): f"#{n}" for n, r in enumerate(rows)}
        return [
            (r[2], r[3], {k: position.get(v, v) if isinstance(v, str) else v
                          for k, v in r[4].items()}, r[5], r[6])
            for r in rows
        ]  # fmt: skip

    await seeder(runtime, 9).run(400, SEEDED)
    first = written(admin_sql, after)
    middle = last_record_id(admin_sql)
    await seeder(runtime, 9).run(400, SEEDED)
    again = written(admin_sql, middle)
    last = last_record_id(admin_sql)
    await seeder(runtime, 10).run(400, SEEDED)
    other = written(admin_sql, last)
    assert len(first) == len(again) == 400
    assert content(first) == content(again)
    assert content(other) != content(first)
