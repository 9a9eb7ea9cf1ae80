"""A unit's audit records and its COMMIT as one simple query (`audit.closing`)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform import audit
from yiwang.platform.audit.closing import append_and_commit
from yiwang.platform.unit_of_work import unit_of_work

AWKWARD = '它\'s \\x27); DROP TABLE audit_log; -- "引号" \\\\ $$ \n end'


async def test_records_written_in_as_a_literal_arrive_verbatim(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    tag = f"closing-{id(sessions)}"
    async with unit_of_work(sessions, actor=AWKWARD) as uow:
        await uow.audit(
            action="test.closing",
            object_type="thing",
            object_id=f"{tag}-0",
            tenant_id=gansu["620102"],
            detail={"text": AWKWARD, AWKWARD: [1, None, "二"]},
        )
    row = admin_sql.execute(
        "SELECT actor, detail FROM audit_log WHERE object_id = %s", (f"{tag}-0",)
    ).fetchone()
    assert row == (AWKWARD, {"text": AWKWARD, AWKWARD: [1, None, "二"]})
    async with sessions() as session:
        assert await audit.verify_chain(session) == []


async def test_a_failing_append_commits_nothing_of_the_unit(
    sessions: async_sessionmaker[AsyncSession], admin_sql: psycopg.Connection
) -> None:
    """The server skips the COMMIT after the failed append; the unit rolls back, the
    record it appended earlier in the transaction with it, and the pool's connection
    serves the next unit."""
    tag = f"closing-fail-{id(sessions)}"
    with pytest.raises(DBAPIError, match="bigint"):
        async with unit_of_work(sessions, actor="tester") as uow:
            await audit.record(
                uow.session,
                actor="tester",
                action="test.early",
                object_type="thing",
                object_id=f"{tag}-early",
            )
            await uow.audit(
                action="test.bad",
                object_type="thing",
                object_id=f"{tag}-bad",
                tenant_id="not a number",  # type: ignore[arg-type]
            )
    left = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE object_id LIKE %s", (f"{tag}-%",)
    ).fetchone()
    assert left == (0,)
    async with unit_of_work(sessions, actor="tester") as uow:
        await uow.audit(action="test.after", object_type="thing", object_id=f"{tag}-after")
    after = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE object_id = %s", (f"{tag}-after",)
    ).fetchone()
    assert after == (1,)


async def test_a_unit_with_a_savepoint_open_appends_the_usual_way(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(sessions, actor="tester") as uow:
        await uow.session.execute(text("SELECT 1"))
        async with uow.session.begin_nested():
            entry = audit.entry(actor="tester", action="test.nested", object_type="thing")
            assert await append_and_commit(uow.session, [entry]) is False
