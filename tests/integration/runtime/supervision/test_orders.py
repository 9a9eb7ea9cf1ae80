"""督办 orders: issued on a case with a working-day deadline, on the case's timeline and
audited; answered once; escalated to the parent tenant when the day passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.supervision.conftest import AddCase
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision.errors import SupervisionDone
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree

AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # a Monday


async def test_order_respond_and_escalate(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    add_case: AddCase,
    admin_sql: psycopg.Connection,
    tag: str,
) -> None:
    case_id = add_case("620102", 1, submitted_at=AT)
    number = f"620102-{tag[:8]}-000001"
    county = TenantScope.single(installed.node("620102").id)
    now = [AT]
    async with unit_of_work(sessions, actor="test", scope=county) as uow:
        svc = SupervisionService(uow, installed, clock=lambda: now[0])
        first = await svc.issue_order(
            "620102",
            reason=f"请尽快办理 {tag}",
            days=3,
            issuer="sup",
            issuer_code="620000",
            number=number,
        )
        second = await svc.issue_order(
            "620102",
            reason=f"再次督办 {tag}",
            days=1,
            issuer="sup",
            issuer_code="620000",
            number=number,
        )
    assert first["due_on"] == "2026-06-04"
    async with unit_of_work(sessions, actor="test", scope=county) as uow:
        svc = SupervisionService(uow, installed, clock=lambda: now[0])
        await svc.respond("620102", first["id"], "已办结", "clerk")
    with pytest.raises(SupervisionDone):
        async with unit_of_work(sessions, actor="test", scope=county) as uow:
            await SupervisionService(uow, installed).respond("620102", first["id"], "again", "x")
    kinds = [
        r[0]
        for r in admin_sql.execute(
            "SELECT kind FROM case_events WHERE case_id = %s ORDER BY seq", (case_id,)
        ).fetchall()
    ]
    assert kinds == ["supervision.order", "supervision.order", "supervision.response"]
    now[0] = AT + timedelta(days=5)
    async with unit_of_work(sessions, actor="job", scope=county) as uow:
        escalated = await SupervisionService(uow, installed, clock=lambda: now[0]).escalate_due()
    assert escalated >= 1
    rows = admin_sql.execute(
        "SELECT tenant_id, status, escalated_from FROM supervision_orders"
        " WHERE id = %s OR escalated_from = %s ORDER BY id",
        (second["id"], second["id"]),
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        (installed.node("620102").id, "escalated"),
        (installed.node("620100").id, "open"),
    ]
    audited = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE action LIKE 'supervision.%%' AND object_id IN (%s, %s)",
        (str(first["id"]), str(second["id"])),
    ).fetchone()
    assert audited is not None and audited[0] >= 4
    admin_sql.execute("DELETE FROM supervision_orders WHERE escalated_from = %s", (second["id"],))
