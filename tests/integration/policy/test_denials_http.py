"""The guard's refusals on the audit trail, by attacking: a citizen at a staff route is
recorded, 100 refusals in a minute make one record that counts them, anonymous callers
are not recorded, and the record is written by itself when the minute ends."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
from litestar.testing import AsyncTestClient

from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.denials import DenialLog
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

DRAFT = "/api/v1/t/620102/metadata/draft"
VERSIONS = "/api/v1/t/620102/metadata/versions"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def denials_since(admin_sql: psycopg.Connection, seq: int, actor: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in admin_sql.execute(
            "SELECT object_id, outcome, tenant_id, detail FROM audit_log"
            " WHERE seq > %s AND action = 'access.denied' AND actor = %s ORDER BY seq",
            (seq, actor),
        ).fetchall()
    ]


def last_seq(admin_sql: psycopg.Connection) -> int:
    row = admin_sql.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()
    assert row is not None
    return int(row[0])


async def test_refusals_of_signed_in_people_are_audited_once_per_route_and_minute(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> None:
    platform = build_platform(
        replace(migrated, var_dir=tmp_path),
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
    )
    clock = Clock(1_800_000_000.0)  # 2027-01-15T08:00:00Z, the start of a minute
    platform = replace(platform, denials=DenialLog(platform.sessions, platform.cache, clock=clock))
    chengguan = installed.node("620102").id
    other_login = f"jyg.{cleanup}"
    other_secret = await make_staff(
        services, other_login, "620200", [("prefecture_operator", "620200", True)]
    )
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 5))
        login = (await client.get("/api/v1/me", headers=citizen)).json()["login"]
        client.cookies.clear()
        before = last_seq(admin_sql)

        # one refusal: recorded when its minute ends (here: flushed), with the actor's login
        resp = await client.get(DRAFT, headers=citizen)
        assert (resp.status_code, resp.json()["error"]["code"]) == (403, "auth.forbidden")
        assert denials_since(admin_sql, before, login) == []  # not before its minute ends
        await platform.denials.flush()
        [(route, outcome, tenant_id, detail)] = denials_since(admin_sql, before, login)
        assert (route, outcome, tenant_id) == (
            "GET /api/v1/t/{code:str}/metadata/draft",
            "denied",
            chengguan,
        )
        assert detail["count"] == 1 and detail["status"] == 403
        assert (detail["object"], detail["action"], detail["code"]) == (
            "metadata",
            "inspect",
            "auth.forbidden",
        )

        # 100 refusals in the next minute: one record, counting them all
        clock.now += 60
        middle = last_seq(admin_sql)
        for _ in range(100):
            assert (await client.get(VERSIONS, headers=citizen)).status_code == 403
        await platform.denials.flush()
        records = denials_since(admin_sql, middle, login)
        assert len(records) == 1, records
        assert records[0][0] == "GET /api/v1/t/{code:str}/metadata/versions"
        assert records[0][3]["count"] == 100

        # anonymous callers get 401 and no record; staff of another region get 404, recorded
        anonymous_before = last_seq(admin_sql)
        assert (await client.get(DRAFT)).status_code == 401
        staff = await sign_in(client, other_login, other_secret)
        client.cookies.clear()
        assert (await client.get(DRAFT, headers=staff)).status_code == 404
        await platform.denials.flush()
        added = admin_sql.execute(
            "SELECT actor, detail->>'status' FROM audit_log"
            " WHERE seq > %s AND action = 'access.denied'",
            (anonymous_before,),
        ).fetchall()
        assert [tuple(r) for r in added] == [(other_login, "404")]


async def test_the_record_is_written_when_the_minute_ends(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> None:
    """With a one-second window and the real clock: no flush, the window's end writes it."""
    platform = build_platform(
        replace(migrated, var_dir=tmp_path),
        hashing=PasswordHashing(HashingParameters.for_tests()),
    )
    platform = replace(platform, denials=DenialLog(platform.sessions, platform.cache, window=1.0))
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 6))
        login = (await client.get("/api/v1/me", headers=citizen)).json()["login"]
        client.cookies.clear()
        before = last_seq(admin_sql)
        for _ in range(3):
            assert (await client.get(DRAFT, headers=citizen)).status_code == 403
        # the three may straddle a second's edge: wait until every window has its record
        async with asyncio.timeout(5):
            while sum(r[3]["count"] for r in denials_since(admin_sql, before, login)) < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        records = denials_since(admin_sql, before, login)
        assert sum(r[3]["count"] for r in records) == 3
        windows = [r[3]["window_start"] for r in records]
        assert len(windows) == len(set(windows))
