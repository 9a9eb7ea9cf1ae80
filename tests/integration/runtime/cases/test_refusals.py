"""Refused case actions are audited in a unit of their own and change nothing else: a
citizen acting on another's case, staff skipping a step, over the service and over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from tests.integration.runtime.cases.conftest import CHENGGUAN, Clock
from tests.integration.runtime.cases.test_http import (  # noqa: F401  (fixtures)
    APPLICATION,
    CASES,
    _citizen,
    _staff,
    app,
    citizens,
)
from tests.integration.stack import Stack
from yiwang.platform.errors import Conflict, PermissionDenied, YiwangError
from yiwang.runtime.cases.refusals import act_audited
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.routes.actions import Action, Actor, Approve, Decide, Withdraw

CST = timezone(timedelta(hours=8))


def snapshot(admin_sql: psycopg.Connection) -> dict[str, str | None]:
    """A digest of every table's rows but the audit trail's."""
    tables = [
        r[0]
        for r in admin_sql.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename NOT IN ('audit_log') ORDER BY tablename"
        ).fetchall()
    ]
    digests: dict[str, str | None] = {}
    for table in tables:
        row = admin_sql.execute(
            f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM \"{table}\" t"
        ).fetchone()
        digests[table] = row[0] if row else None
    return digests


def audit_rows(admin_sql: psycopg.Connection, number: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in admin_sql.execute(
            "SELECT actor, action, outcome, detail->>'code', detail->>'account' FROM audit_log"
            " WHERE object_type = 'case' AND object_id = %s ORDER BY seq",
            (number,),
        ).fetchall()
    ]


def changed(before: dict[str, str | None], after: dict[str, str | None]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


async def test_refusals_through_the_service_are_audited_and_change_nothing(
    case_unit: Any, own_cases: str, admin_sql: psycopg.Connection
) -> None:
    tag = own_cases
    clock = Clock(datetime(2026, 3, 2, 9, tzinfo=CST))
    applicant, intruder = f"citizen-{tag}", f"intruder-{tag}"
    app_ = Application(
        service_item="SI-0001",
        form="application",
        route="standard",
        implementing_department="scjgj",
        data={},
    )
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open(
            CHENGGUAN, app_, Actor(id=applicant, tenant=CHENGGUAN, roles=frozenset({"citizen"}))
        )
    number = opened.number
    before = snapshot(admin_sql)
    attacks: list[tuple[str, Action, Actor, type[YiwangError], str]] = [
        # a citizen withdraws another's case
        (
            intruder,
            Withdraw(reason="撤回"),
            Actor(id=intruder, tenant=CHENGGUAN, roles=frozenset({"citizen"})),
            PermissionDenied,
            "routes.applicant_only",
        ),
        # a leader decides before the case was even accepted (skipping two steps)
        (
            f"leader-{tag}",
            Decide(outcome="approved", legal_basis="《行政许可法》"),
            Actor(
                id=f"leader-{tag}",
                tenant=CHENGGUAN,
                roles=frozenset({"dept_leader"}),
                department="scjgj",
            ),
            Conflict,
            "routes.action_not_allowed",
        ),
        # a reviewer approves the review task before acceptance opened it
        (
            f"reviewer-{tag}",
            Approve(task="review"),
            Actor(
                id=f"reviewer-{tag}",
                tenant=CHENGGUAN,
                roles=frozenset({"dept_reviewer"}),
                department="scjgj",
            ),
            Conflict,
            "routes.step_not_active",
        ),
    ]
    for login, action, actor, kind, code in attacks:
        with pytest.raises(kind) as caught:
            async with case_unit(clock, login) as (_, cases):
                await act_audited(cases, CHENGGUAN, number, action, actor)
        assert caught.value.code == code
    assert changed(before, snapshot(admin_sql)) == []
    assert audit_rows(admin_sql, number) == [
        (applicant, "case.submitted", "success", None, None),
        (intruder, "case.withdraw", "denied", "routes.applicant_only", intruder),
        (f"leader-{tag}", "case.decide", "failure", "routes.action_not_allowed", f"leader-{tag}"),
        (
            f"reviewer-{tag}",
            "case.approve",
            "failure",
            "routes.step_not_active",
            f"reviewer-{tag}",
        ),
    ]


async def test_refusals_over_http_are_audited_and_change_nothing(
    app: Any,  # noqa: F811
    services: Stack,
    cleanup: str,
    citizens: list[tuple[int, str]],  # noqa: F811
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> None:
    litestar_app, platform = app
    tag = cleanup
    async with AsyncTestClient(app=litestar_app) as client:
        applicant, _ = await _citizen(services, tmp_path, citizens, tag, 5)
        other, other_id = await _citizen(services, tmp_path, citizens, tag, 6)
        clerk = await _staff(client, services, platform, f"clerk.{tag}", "window_clerk")
        client.cookies.clear()
        opened = await client.post(CASES, json=APPLICATION, headers=applicant)
        assert opened.status_code == 201, opened.text
        number = opened.json()["number"]
        case = f"{CASES}/{number}"
        before = snapshot(admin_sql)
        # another citizen withdraws the applicant's case
        stolen = await client.post(f"{case}/withdraw", json={"reason": "不办了"}, headers=other)
        assert stolen.status_code == 403
        assert stolen.json()["error"]["code"] == "routes.applicant_only"
        # the clerk completes a case that was never accepted nor decided
        skipped = await client.post(f"{case}/actions", json={"action": "complete"}, headers=clerk)
        assert skipped.status_code == 409, skipped.text
        assert skipped.json()["error"]["code"] == "routes.action_not_allowed"
        after = snapshot(admin_sql)
    assert changed(before, after) == []
    rows = audit_rows(admin_sql, number)
    assert [r[1:] for r in rows[1:]] == [
        ("case.withdraw", "denied", "routes.applicant_only", other_id),
        ("case.complete", "failure", "routes.action_not_allowed", rows[2][4]),
    ]
    assert rows[2][0] == f"clerk.{tag}" and rows[2][4].startswith("account:")
