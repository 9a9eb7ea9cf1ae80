"""The outbox delivery over real PostgreSQL: notices to the applicant, delivered once
marked, safe to run twice (one after the other and at once), backing off on failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import CHENGGUAN, Clock
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.outbox.delivery import deliver
from yiwang.runtime.routes.actions import Accept, Actor
from yiwang.tenants.tree import TenantTree

CST = timezone(timedelta(hours=8))


class Recording:
    """A gateway that keeps what it was given, and fails for the addresses it is told to."""

    def __init__(self, fail_for: set[str] | None = None, delay: float = 0.0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_for = fail_for if fail_for is not None else set()
        self.delay = delay

    async def send(self, to: str, text: str) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if to in self.fail_for:
            raise ConnectionError("gateway down")
        self.sent.append((to, text))


def contact(tag: str) -> tuple[str, str]:
    return f"139{abs(hash(tag)) % 10**8:08d}", f"{tag}@example.cn"


async def opened_and_accepted(case_unit: Any, tag: str, clock: Clock) -> str:
    phone, email = contact(tag)
    applicant = f"citizen-{tag}"
    app = Application(
        service_item="SI-0001",
        form="application",
        route="standard",
        implementing_department="scjgj",
        data={"contact_phone": phone, "email": email},
    )
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open(
            CHENGGUAN, app, Actor(id=applicant, tenant=CHENGGUAN, roles=frozenset({"citizen"}))
        )
    clerk = Actor(
        id=f"clerk-{tag}", tenant=CHENGGUAN, roles=frozenset({"window_clerk"}), department="scjgj"
    )
    async with case_unit(clock, clerk.id) as (_, cases):
        await cases.act(CHENGGUAN, opened.number, Accept(), clerk)
    return str(opened.number)


def outbox_of(admin_sql: psycopg.Connection, number: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in admin_sql.execute(
            "SELECT o.kind, o.delivered_at IS NOT NULL, o.attempts, o.next_attempt_at,"
            " o.last_error FROM case_outbox o JOIN cases c ON c.tenant_id = o.tenant_id"
            " AND c.id = o.case_id WHERE c.number = %s ORDER BY o.id",
            (number,),
        ).fetchall()
    ]


async def run_delivery(
    sessions: async_sessionmaker[AsyncSession], tree: TenantTree, gateways: Gateways, now: datetime
) -> Any:
    async with unit_of_work(sessions, actor="system:outbox.deliver") as uow:
        return await deliver(uow, tree, gateways, now)


async def test_notices_reach_the_applicant_once_and_internal_rows_are_marked(
    case_unit: Any,
    own_cases: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
) -> None:
    tag = own_cases
    phone, email = contact(tag)
    number = await opened_and_accepted(case_unit, tag, Clock(datetime(2026, 3, 2, 9, tzinfo=CST)))
    kinds = [r[0] for r in outbox_of(admin_sql, number)]
    assert "case.submitted" in kinds and "case.accepted" in kinds and "case.task_opened" in kinds
    sms, mail = Recording(), Recording()
    now = datetime.now(UTC)
    await run_delivery(sessions, installed, Gateways(sms, mail), now)
    mine = [text for to, text in sms.sent if to == phone]
    assert mine == [f"您的办件 {number} 已提交，等待受理。", f"您的办件 {number} 已受理。"]
    assert [text for to, text in mail.sent if to == email] == mine
    # every row of the case is marked, the internal ones without a message
    assert all(delivered for _, delivered, *_ in outbox_of(admin_sql, number))
    again_sms, again_mail = Recording(), Recording()
    await run_delivery(sessions, installed, Gateways(again_sms, again_mail), now)
    assert [to for to, _ in again_sms.sent + again_mail.sent if to in (phone, email)] == []


async def test_a_failing_gateway_backs_off_and_the_row_goes_out_later(
    case_unit: Any,
    own_cases: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
) -> None:
    tag = own_cases
    phone, _ = contact(tag)
    number = await opened_and_accepted(case_unit, tag, Clock(datetime(2026, 3, 2, 9, tzinfo=CST)))
    now = datetime.now(UTC).replace(microsecond=0)
    down = Recording(fail_for={phone})
    result = await run_delivery(sessions, installed, Gateways(down, Recording()), now)
    assert result.failed >= 2
    rows = {r[0]: r[1:] for r in outbox_of(admin_sql, number)}
    for kind in ("case.submitted", "case.accepted"):
        delivered, attempts, retry_at, error = rows[kind]
        assert (delivered, attempts) == (False, 1)
        assert retry_at == now + timedelta(seconds=30)
        assert error == "ConnectionError: gateway down"
    assert rows["case.task_opened"][0] is True  # nothing to send: marked delivered
    # 20 s later the rows still wait; the second failure waits twice as long
    await run_delivery(
        sessions, installed, Gateways(down, Recording()), now + timedelta(seconds=20)
    )
    assert outbox_of(admin_sql, number)[0][2] == 1
    await run_delivery(
        sessions, installed, Gateways(down, Recording()), now + timedelta(seconds=31)
    )
    first = next(r for r in outbox_of(admin_sql, number) if r[0] == "case.submitted")
    assert (first[2], first[3]) == (2, now + timedelta(seconds=91))
    # the gateway is back: both notices go out, once
    sms = Recording()
    await run_delivery(sessions, installed, Gateways(sms, Recording()), now + timedelta(seconds=92))
    assert [t for to, t in sms.sent if to == phone] == [
        f"您的办件 {number} 已提交，等待受理。",
        f"您的办件 {number} 已受理。",
    ]
    assert all(r[1] for r in outbox_of(admin_sql, number))


async def test_two_runs_at_once_send_each_row_once(
    case_unit: Any,
    own_cases: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
) -> None:
    tag = own_cases
    numbers = [
        await opened_and_accepted(
            case_unit, f"{tag}-{i}", Clock(datetime(2026, 3, 2, 9, tzinfo=CST))
        )
        for i in range(3)
    ]
    phones = {contact(f"{tag}-{i}")[0] for i in range(3)}
    slow = [Recording(delay=0.02), Recording(delay=0.02)]
    now = datetime.now(UTC)
    await asyncio.gather(
        *(run_delivery(sessions, installed, Gateways(g, Recording()), now) for g in slow)
    )
    sent = [text for g in slow for to, text in g.sent if to in phones]
    assert len(sent) == 6 and len(set(sent)) == 6  # 3 cases × (submitted, accepted), no repeat
    assert all(r[1] for n in numbers for r in outbox_of(admin_sql, n))
