"""The audit chain: append-only for the application, and any edit or removal is detected."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform import audit
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.platform.unit_of_work import unit_of_work


async def _append(sessions: async_sessionmaker[AsyncSession], n: int, tenant_id: int) -> list[int]:
    seqs = []
    async with sessions() as session, session.begin():
        for i in range(n):
            seqs.append(
                await audit.record(
                    session,
                    actor="tester",
                    action="test.append",
                    object_type="thing",
                    object_id=str(i),
                    tenant_id=tenant_id,
                    detail={"i": i, "名称": "测试"},
                )
            )
    return seqs


async def _problems(sessions: async_sessionmaker[AsyncSession]) -> list[audit.ChainProblem]:
    async with sessions() as session:
        return await audit.verify_chain(session)


async def test_chain_records_who_what_when(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    seqs = await _append(sessions, 3, gansu["620102"])
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(gansu["620102"]))
        row = (
            await session.execute(
                text(
                    "SELECT actor, action, object_id, outcome, at, prev_hash, hash FROM audit_log "
                    "WHERE seq = :s"
                ),
                {"s": seqs[1]},
            )
        ).one()
    assert row.actor == "tester" and row.action == "test.append" and row.outcome == "success"
    assert row.at.utcoffset() is not None
    assert len(row.hash) == 32 and row.prev_hash != row.hash
    assert await _problems(sessions) == []


async def test_app_role_cannot_change_or_forge_audit_rows(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    await _append(sessions, 1, gansu["620102"])
    for statement in (
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
        "INSERT INTO audit_log (seq, actor, action, object_type, outcome, prev_hash, hash) "
        "VALUES (999999, 'm', 'a', 'o', 'success', '\\x00', '\\x00')",
        "TRUNCATE audit_log",
    ):
        async with sessions() as session, session.begin():
            await apply_scope(session, TenantScope.single(gansu["620102"]))
            with pytest.raises(DBAPIError, match="permission denied"):
                await session.execute(text(statement))


async def test_other_tenants_audit_rows_are_invisible(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    await _append(sessions, 1, gansu["620103"])
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(gansu["620102"]))
        tenants = set(await session.scalars(text("SELECT DISTINCT tenant_id FROM audit_log")))
    assert tenants <= {gansu["620102"]}


def test_owner_cannot_update_either(admin_sql: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        admin_sql.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")


async def test_verify_detects_an_edited_record(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    seqs = await _append(sessions, 3, gansu["620102"])
    target = seqs[1]
    admin_sql.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    try:
        admin_sql.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = %s", (target,))
        problems = await _problems(sessions)
        assert audit.ChainProblem(target, "hash") in problems
        admin_sql.execute("UPDATE audit_log SET actor = 'tester' WHERE seq = %s", (target,))
        assert await _problems(sessions) == []
    finally:
        admin_sql.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


async def test_verify_detects_a_missing_record(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    seqs = await _append(sessions, 3, gansu["620102"])
    target = seqs[1]
    saved = admin_sql.execute("SELECT * FROM audit_log WHERE seq = %s", (target,)).fetchone()
    assert saved is not None
    admin_sql.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    try:
        admin_sql.execute("DELETE FROM audit_log WHERE seq = %s", (target,))
        problems = await _problems(sessions)
        assert audit.ChainProblem(target + 1, "link") in problems
        assert audit.ChainProblem(target + 1, "gap") in problems
    finally:
        values = [Jsonb(v) if isinstance(v, dict) else v for v in saved]
        placeholders = ", ".join(["%s"] * len(values))
        admin_sql.execute(f"INSERT INTO audit_log VALUES ({placeholders})", values)
        admin_sql.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    assert await _problems(sessions) == []


async def test_a_unit_appends_its_records_in_one_call_at_commit(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    """The unit's records reach the chain in the order audited, as its last statement,
    hashed as `yiwang_audit_append` hashes them; a rolled-back unit leaves none."""
    tag = f"batch-{id(sessions)}"
    head = admin_sql.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()
    async with unit_of_work(sessions, actor="tester") as uow:
        for i in range(3):
            await uow.audit(
                action="test.batch",
                object_type="thing",
                object_id=f"{tag}-{i}",
                tenant_id=gansu["620102"] if i != 1 else None,
                detail={"i": i, "名称": "测试"} if i != 2 else None,
            )
        # buffered: nothing of the unit is in the chain before its commit
        pending = admin_sql.execute(
            "SELECT count(*) FROM audit_log WHERE object_id LIKE %s", (f"{tag}-%",)
        ).fetchone()
        assert pending == (0,)
    rows = admin_sql.execute(
        "SELECT seq, object_id, tenant_id, detail FROM audit_log WHERE object_id LIKE %s"
        " ORDER BY seq",
        (f"{tag}-%",),
    ).fetchall()
    assert [r[1] for r in rows] == [f"{tag}-0", f"{tag}-1", f"{tag}-2"]
    assert [r[0] for r in rows] == [rows[0][0], rows[0][0] + 1, rows[0][0] + 2]
    assert head is not None and rows[0][0] > head[0]
    assert rows[1][2] is None and rows[2][3] == {}
    assert await _problems(sessions) == []

    with pytest.raises(RuntimeError):
        async with unit_of_work(sessions, actor="tester") as uow:
            await uow.audit(action="test.batch", object_type="thing", object_id=f"{tag}-gone")
            raise RuntimeError("roll back")
    gone = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE object_id = %s", (f"{tag}-gone",)
    ).fetchone()
    assert gone == (0,)


async def test_a_bad_outcome_is_refused_when_audited() -> None:
    with pytest.raises(ValueError, match="outcome"):
        audit.entry(actor="t", action="a", object_type="o", outcome="maybe")


async def test_a_batch_that_is_not_an_array_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(DBAPIError, match="expects a JSON array"):
            await session.execute(
                text("SELECT yiwang_audit_append_many(CAST(:r AS jsonb))"), {"r": '{"actor": "x"}'}
            )


async def test_a_savepoint_that_raises_takes_its_records_and_statements_with_it(
    sessions: async_sessionmaker[AsyncSession], admin_sql: psycopg.Connection
) -> None:
    """A page that answers a refusal commits the rest of its unit: what the refused part
    wrote and audited must not reach the database or the chain (the console's 办结 whose
    licence was refused once left the case completed, with its audit record)."""
    tag = f"savepoint-{id(sessions)}"
    hooks: list[str] = []

    async def hook() -> None:
        hooks.append("ran")

    async with unit_of_work(sessions, actor="tester") as uow:
        await uow.audit(action="test.kept", object_type="thing", object_id=f"{tag}-kept")
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                await uow.audit(action="test.gone", object_type="thing", object_id=f"{tag}-gone")
                uow.after_commit(hook)
                await uow.session.execute(text("CREATE TEMP TABLE savepoint_probe (x int)"))
                raise RuntimeError("refused")
        # the savepoint's statement is undone, the unit goes on
        probe = await uow.session.execute(text("SELECT to_regclass('pg_temp.savepoint_probe')"))
        assert probe.scalar() is None
    rows = admin_sql.execute(
        "SELECT object_id FROM audit_log WHERE object_id LIKE %s ORDER BY seq", (f"{tag}-%",)
    ).fetchall()
    assert [r[0] for r in rows] == [f"{tag}-kept"]
    assert hooks == []
