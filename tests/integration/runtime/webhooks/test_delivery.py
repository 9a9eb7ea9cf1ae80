"""Webhook delivery over real PostgreSQL to a real HTTP receiver on 127.0.0.1: signed,
once per row and subscriber, backing off on failure, one dead subscriber delaying no
other, a disabled one sent nothing, two passes at once sending nothing twice."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import CHENGGUAN, Clock
from tests.integration.runtime.cases.test_outbox_delivery import contact, opened_and_accepted
from tests.integration.runtime.webhooks.receiver import Received, receiving
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.crypto import FieldCipher
from yiwang.runtime.webhooks.delivery import Deliverer, WebhookResult
from yiwang.runtime.webhooks.sender import HttpSender
from yiwang.runtime.webhooks.service import WebhookService
from yiwang.runtime.webhooks.signing import verify
from yiwang.tenants.tree import TenantTree

CST = timezone(timedelta(hours=8))
OPENED = datetime(2026, 3, 2, 9, tzinfo=CST)


async def subscribe(
    sessions: async_sessionmaker[AsyncSession],
    tree: TenantTree,
    cipher: FieldCipher,
    actor: str,
    url: str,
    kinds: list[str],
) -> dict[str, Any]:
    scope = TenantScope.single(tree.node(CHENGGUAN).id)
    async with unit_of_work(sessions, actor=actor, scope=scope) as uow:
        return await WebhookService(uow, tree, cipher, production=False).create(
            CHENGGUAN, url, kinds
        )


async def disable(
    sessions: async_sessionmaker[AsyncSession],
    tree: TenantTree,
    cipher: FieldCipher,
    actor: str,
    subscriber_id: str,
) -> None:
    scope = TenantScope.single(tree.node(CHENGGUAN).id)
    async with unit_of_work(sessions, actor=actor, scope=scope) as uow:
        await WebhookService(uow, tree, cipher, production=False).disable(
            CHENGGUAN, uuid.UUID(subscriber_id)
        )


async def run_pass(
    sessions: async_sessionmaker[AsyncSession],
    tree: TenantTree,
    cipher: FieldCipher,
    now: datetime,
    http_timeout: float = 5.0,
) -> WebhookResult:
    deliverer = Deliverer(cipher, production=False, sender=lambda: HttpSender(http_timeout))
    async with unit_of_work(sessions, actor="system:webhooks.deliver") as uow:
        return await deliverer.run(uow, tree, now)


def deliveries(admin_sql: psycopg.Connection, subscriber_id: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in admin_sql.execute(
            "SELECT o.kind, d.delivered_at IS NOT NULL, d.attempts, d.next_attempt_at,"
            " d.last_status, d.last_error FROM webhook_deliveries d JOIN case_outbox o"
            " ON o.tenant_id = d.tenant_id AND o.id = d.outbox_id"
            " WHERE d.subscriber_id = %s ORDER BY d.outbox_id",
            (subscriber_id,),
        ).fetchall()
    ]


def message(r: Received) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(r.body)
    return value


async def test_each_matching_row_reaches_its_subscriber_signed_and_once(
    case_unit: Any,
    own_cases: str,
    own_subscribers: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    admin_sql: psycopg.Connection,
) -> None:
    async with receiving() as every, receiving() as accepted_only:
        all_cases = await subscribe(
            sessions, installed, cipher, own_subscribers, every.url, ["case.*"]
        )
        one_kind = await subscribe(
            sessions, installed, cipher, own_subscribers, accepted_only.url, ["case.accepted"]
        )
        number = await opened_and_accepted(case_unit, own_cases, Clock(OPENED))
        result = await run_pass(sessions, installed, cipher, datetime.now(UTC))
        kinds = [k for k, *_ in deliveries(admin_sql, all_cases["id"])]
        assert kinds and all(k.startswith("case.") for k in kinds)
        assert {"case.submitted", "case.accepted", "case.task_opened"} <= set(kinds)
        assert [m["kind"] for m in map(message, every.received)] == kinds
        assert [m["kind"] for m in map(message, accepted_only.received)] == ["case.accepted"]
        assert result.delivered >= len(kinds) + 1 and result.failed == 0
        phone, email = contact(own_cases)
        now = time.time()
        for r, secret in [(x, all_cases["secret"]) for x in every.received] + [
            (x, one_kind["secret"]) for x in accepted_only.received
        ]:
            body = message(r)
            assert set(body) == {"id", "kind", "case_number", "occurred_at", "tenant", "data"}
            assert (body["case_number"], body["tenant"]) == (number, CHENGGUAN)
            assert r.headers["x-yiwang-event"] == body["kind"]
            assert r.headers["content-type"].startswith("application/json")
            assert r.path == "/hooks/yiwang"
            assert verify(secret, r.headers["x-yiwang-signature"], r.body, now)
            # another subscriber's secret, a changed body or an old time do not verify
            other = one_kind["secret"] if secret == all_cases["secret"] else all_cases["secret"]
            assert not verify(other, r.headers["x-yiwang-signature"], r.body, now)
            assert not verify(secret, r.headers["x-yiwang-signature"], r.body + b" ", now)
            assert not verify(secret, r.headers["x-yiwang-signature"], r.body, now + 301)
            assert phone not in r.body.decode() and email not in r.body.decode()
        # delivery ids are per row and subscriber: distinct, and different between the two
        ids = [r.headers["x-yiwang-delivery"] for r in every.received + accepted_only.received]
        assert len(set(ids)) == len(ids)
        assert all(d for _, d, *_ in deliveries(admin_sql, all_cases["id"]))
        # a second pass sends nothing again
        count = len(every.received), len(accepted_only.received)
        again = await run_pass(sessions, installed, cipher, datetime.now(UTC))
        assert (len(every.received), len(accepted_only.received)) == count
        assert again.delivered == 0


async def test_a_failing_receiver_gets_retries_with_back_off(
    case_unit: Any,
    own_cases: str,
    own_subscribers: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    admin_sql: psycopg.Connection,
) -> None:
    async with receiving(status=500) as down:
        sub = await subscribe(
            sessions, installed, cipher, own_subscribers, down.url, ["case.submitted"]
        )
        await opened_and_accepted(case_unit, own_cases, Clock(OPENED))
        now = datetime.now(UTC).replace(microsecond=0)
        first = await run_pass(sessions, installed, cipher, now)
        assert (first.delivered, first.failed) == (0, 1)
        assert deliveries(admin_sql, sub["id"]) == [
            ("case.submitted", False, 1, now + timedelta(seconds=30), 500, "HTTP 500")
        ]
        # 20 s later it still waits; at 31 s it is tried again and waits twice as long
        await run_pass(sessions, installed, cipher, now + timedelta(seconds=20))
        assert len(down.received) == 1
        await run_pass(sessions, installed, cipher, now + timedelta(seconds=31))
        assert len(down.received) == 2
        assert deliveries(admin_sql, sub["id"])[0][2:4] == (2, now + timedelta(seconds=91))
        # the receiver is back: delivered, with the same delivery id as every attempt
        down.status = 200
        await run_pass(sessions, installed, cipher, now + timedelta(seconds=92))
        assert len(down.received) == 3
        assert len({r.headers["x-yiwang-delivery"] for r in down.received}) == 1
        assert deliveries(admin_sql, sub["id"])[0][1:3] == (True, 3)
        # after 12 failures a delivery is given up: a row failing since then is not tried
        admin_sql.execute(
            "UPDATE webhook_deliveries SET delivered_at = NULL, attempts = 12,"
            " next_attempt_at = NULL WHERE subscriber_id = %s",
            (sub["id"],),
        )
        await run_pass(sessions, installed, cipher, now + timedelta(days=1))
        assert len(down.received) == 3


async def test_a_dead_subscriber_delays_no_other_and_a_disabled_one_gets_nothing(
    case_unit: Any,
    own_cases: str,
    own_subscribers: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    admin_sql: psycopg.Connection,
) -> None:
    async with (
        receiving(hang=True) as hung,
        receiving() as healthy,
        receiving() as disabled_later,
        receiving() as disabled_first,
    ):
        dead = await subscribe(sessions, installed, cipher, own_subscribers, hung.url, ["case.*"])
        alive = await subscribe(
            sessions, installed, cipher, own_subscribers, healthy.url, ["case.*"]
        )
        later = await subscribe(
            sessions, installed, cipher, own_subscribers, disabled_later.url, ["case.*"]
        )
        first = await subscribe(
            sessions, installed, cipher, own_subscribers, disabled_first.url, ["case.*"]
        )
        await disable(sessions, installed, cipher, own_subscribers, first["id"])
        await opened_and_accepted(case_unit, own_cases, Clock(OPENED))
        # disabled before the rows: nothing is fanned out to it
        assert deliveries(admin_sql, first["id"]) == []
        # disabled after: its rows stay undelivered and are never sent
        await disable(sessions, installed, cipher, own_subscribers, later["id"])
        assert deliveries(admin_sql, later["id"])
        started = time.monotonic()
        result = await run_pass(sessions, installed, cipher, datetime.now(UTC), http_timeout=2.0)
        took = time.monotonic() - started
        rows = len(deliveries(admin_sql, alive["id"]))
        assert len(healthy.received) == rows >= 3
        # the healthy subscriber had every row long before the hung one timed out
        assert max(r.at for r in healthy.received) - started < 1.5
        assert took >= 2.0
        # the hung subscriber: its first row failed with the timeout, the rest wait untouched
        dead_rows = deliveries(admin_sql, dead["id"])
        assert len(hung.received) == 1
        assert dead_rows[0][1:3] == (False, 1) and "Timeout" in dead_rows[0][5]
        assert all(r[2] == 0 and r[3] is None for r in dead_rows[1:])
        assert (result.failed, result.deferred) == (1, len(dead_rows) - 1)
        assert disabled_later.received == [] and disabled_first.received == []
        assert not any(d for _, d, *_ in deliveries(admin_sql, later["id"]))


async def test_two_passes_at_once_send_no_row_twice(
    case_unit: Any,
    own_cases: str,
    own_subscribers: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    admin_sql: psycopg.Connection,
) -> None:
    async with receiving(delay=0.2) as slow:
        sub = await subscribe(sessions, installed, cipher, own_subscribers, slow.url, ["case.*"])
        await opened_and_accepted(case_unit, own_cases, Clock(OPENED))
        now = datetime.now(UTC)
        a, b = await asyncio.gather(
            run_pass(sessions, installed, cipher, now), run_pass(sessions, installed, cipher, now)
        )
        rows = deliveries(admin_sql, sub["id"])
        ids = [r.headers["x-yiwang-delivery"] for r in slow.received]
        assert len(ids) == len(set(ids)) == len(rows) == a.delivered + b.delivered
        assert all(d for _, d, *_ in rows)
