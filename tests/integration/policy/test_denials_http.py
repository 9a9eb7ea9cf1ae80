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
from sqlalchemy import event

from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import Platform, build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.denials import Denial, DenialLog
from yiwang.policy.identity.crypto import mask_phone
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

DRAFT = "/api/v1/t/620102/metadata/draft"
VERSIONS = "/api/v1/t/620102/metadata/versions"
#: a refusal as the guard reports it; tests vary its actor and route
ATTEMPT = Denial(
    actor="person:139****0000",
    account_id=0,
    tenant_id=None,
    method="GET",
    route="/",
    object="metadata",
    action="inspect",
    code="auth.forbidden",
    status=403,
)


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


def platform_with(settings: Settings, var_dir: Path, **denials: Any) -> Platform:
    """The platform, its refusal log on the given clock or window."""
    platform = build_platform(
        replace(settings, var_dir=var_dir),
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
    )
    return replace(platform, denials=DenialLog(platform.sessions, platform.cache, **denials))


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
    clock = Clock(1_800_000_000.0)  # 2027-01-15T08:00:00Z, the start of a minute
    platform = platform_with(migrated, tmp_path, clock=clock)
    chengguan = installed.node("620102").id
    other_login = f"jyg.{cleanup}"
    other_secret = await make_staff(
        services, other_login, "620200", [("prefecture_operator", "620200", True)]
    )
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 5))
        login = mask_phone(phone_for(cleanup, 5))  # a citizen's audit actor
        client.cookies.clear()
        staff = await sign_in(client, other_login, other_secret)
        client.cookies.clear()
        before = last_seq(admin_sql)

        # one refusal: recorded when its minute ends, not before
        resp = await client.get(DRAFT, headers=citizen)
        assert (resp.status_code, resp.json()["error"]["code"]) == (403, "auth.forbidden")
        await asyncio.sleep(0.2)
        assert denials_since(admin_sql, before, login) == []
        # 100 refusals in the next minute
        clock.now += 60
        for _ in range(100):
            assert (await client.get(VERSIONS, headers=citizen)).status_code == 403
        # anonymous callers get 401, staff of another region 404
        assert (await client.get(DRAFT)).status_code == 401
        assert (await client.get(DRAFT, headers=staff)).status_code == 404
    # the server stopped: the records of the minutes still open were written then

    records = denials_since(admin_sql, before, login)
    assert [(r[0], r[1], r[2], r[3]["count"]) for r in records] == [
        ("GET /api/v1/t/{code}/metadata/draft", "denied", chengguan, 1),
        ("GET /api/v1/t/{code}/metadata/versions", "denied", chengguan, 100),
    ]
    detail = records[0][3]
    assert (detail["object"], detail["action"], detail["code"], detail["status"]) == (
        "metadata",
        "inspect",
        "auth.forbidden",
        403,
    )
    assert detail["window_start"] == "2027-01-15T08:00:00+00:00"
    assert records[1][3]["window_start"] == "2027-01-15T08:01:00+00:00"
    [(route, _, _, hidden)] = denials_since(admin_sql, before, other_login)
    assert (route, hidden["status"], hidden["code"], hidden["count"]) == (
        "GET /api/v1/t/{code}/metadata/draft",
        404,
        "not_found",
        1,
    )
    anonymous = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE seq > %s AND action = 'access.denied'"
        " AND actor = 'anonymous'",
        (before,),
    ).fetchone()
    assert anonymous == (0,)


async def test_the_record_is_written_when_the_minute_ends(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> None:
    """With a one-second window and the real clock: no flush, the window's end writes it."""
    platform = platform_with(migrated, tmp_path, window=1.0)
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 6))
        login = mask_phone(phone_for(cleanup, 6))
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


async def test_a_minute_of_refusals_on_many_routes_ends_without_a_burst_of_connections(
    migrated: Settings,
    installed: TenantTree,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> None:
    """An attacker refused on many routes within a minute: when the minute ends, its records
    are written without taking a Redis or database connection per record at once. They
    did: a hundred refusals emptied the cache's pool, the cache took that for Redis being
    down, and every signed-in request of the process got 401 for five seconds."""
    platform = build_platform(
        replace(migrated, var_dir=tmp_path),
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
    )
    log = DenialLog(platform.sessions, platform.cache, window=1.0)
    actor = f"person:{cleanup}"
    peak = {"redis": 0, "database": 0}
    pool = platform.cache.client.connection_pool
    taking = pool.get_connection

    async def counted(*args: Any, **kwargs: Any) -> Any:
        connection = await taking(*args, **kwargs)
        peak["redis"] = max(peak["redis"], len(pool._in_use_connections))  # type: ignore[attr-defined]
        return connection

    def checked_out(*_: Any) -> None:
        peak["database"] = max(peak["database"], platform.engine.pool.checkedout())  # type: ignore[attr-defined]

    pool.get_connection = counted  # type: ignore[method-assign]
    event.listen(platform.engine.sync_engine, "checkout", checked_out)
    before = last_seq(admin_sql)
    try:
        routes = [f"/api/v1/t/{{code}}/probe/{n}" for n in range(300)]
        for route in routes:
            await log.refused(replace(ATTEMPT, actor=actor, route=route))
        async with asyncio.timeout(10):
            while len(denials_since(admin_sql, before, actor)) < len(routes):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        assert not platform.cache.degraded
        assert peak == {"redis": 1, "database": 1}
        records = denials_since(admin_sql, before, actor)
        assert sorted(r[0] for r in records) == sorted(f"GET {route}" for route in routes)
        assert {r[3]["count"] for r in records} == {1}
    finally:
        event.remove(platform.engine.sync_engine, "checkout", checked_out)
        await platform.cache.close()
        await platform.engine.dispose()
