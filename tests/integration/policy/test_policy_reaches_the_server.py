"""Grants, revocations and deny overrides made on the command line reach a running server.

The server runs in its own process (`yiwang serve`); each change is a real `yiwang`
command in another. A staff member signed in to that server gains and loses a
permission within a second: the server never goes on deciding with a policy the
database has replaced. (Sessions live in Redis, so without it nobody is signed in
to such a server; a worker without Redis still follows every change by polling,
which the second test proves on the worker's policy itself.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.server_process import NO_REDIS, WITHIN_POLL, WITHIN_REDIS, cli, seen_within
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, fresh_ip, make_staff, totp_code
from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.policy.dependencies import build_policy

COUNTY = "620102"
ROLE = "county_operator"
#: a county operator's read of the version history: `metadata:inspect`
PROBE = f"/api/v1/t/{COUNTY}/metadata/versions"


@pytest.fixture
def no_deny_left(admin_sql: psycopg.Connection) -> Iterator[None]:
    """Whatever the test ends in, the deny override it adds does not outlive it."""
    yield
    removed = admin_sql.execute(
        "DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = %s AND v2 = 'metadata'"
        " AND v3 = 'inspect' AND v4 = 'deny' RETURNING id",
        (ROLE,),
    ).fetchall()
    if removed:
        admin_sql.execute("UPDATE policy_state SET version = version + 1 WHERE id = 1")


async def signed_in(services: Stack, login: str, secret: str) -> dict[str, str]:
    """A session made beside the server (its sign-in throttles need Redis, which the
    second server lacks); the server checks it like any other."""
    signed = await services.run(
        services.login.password_login, login, PASSWORD, totp_code=totp_code(secret), ip=fresh_ip()
    )
    return {"authorization": f"Bearer {signed.token}"}


async def test_grant_deny_and_revoke_from_the_command_line_reach_the_server(
    migrated: Settings,
    services: Stack,
    server: Callable[[str], tuple[str, dict[str, str]]],
    cleanup: str,
    no_deny_left: None,
) -> None:
    login = f"srv.{cleanup}"
    secret = await make_staff(services, login, COUNTY, [])
    base, env = server(migrated.redis_url)
    within = WITHIN_REDIS
    headers = await signed_in(services, login, secret)

    def answer() -> int:
        return httpx.get(base + PROBE, headers=headers, timeout=2).status_code

    refused = answer()
    assert refused == 404  # the guard shows no route to whom it refuses
    timings: dict[str, float] = {}

    cli(env, "roles", "grant", login, ROLE, "--tenant", COUNTY)
    timings["grant"] = seen_within(within, lambda: answer() == 200)
    cli(env, "roles", "revoke", login, ROLE, "--tenant", COUNTY)
    timings["revoke"] = seen_within(within, lambda: answer() == refused)
    cli(env, "roles", "grant", login, ROLE, "--tenant", COUNTY)
    seen_within(within, lambda: answer() == 200)
    cli(env, "policy", "deny", ROLE, "inspect", "metadata", "--tenant", COUNTY)
    # refused by a rule now, not unknown to the guard: the grant still reaches the county
    timings["deny"] = seen_within(within, lambda: answer() == 403)
    assert max(timings.values()) <= within, timings


async def test_a_worker_without_redis_follows_a_grant_by_polling(
    migrated: Settings,
    services: Stack,
    sessions: async_sessionmaker[AsyncSession],
    cleanup: str,
) -> None:
    login = f"poll.{cleanup}"
    await make_staff(services, login, COUNTY, [])
    alone = build_policy(migrated, sessions, Cache(NO_REDIS), poll_seconds=1.0)
    await alone.sync.start()
    try:
        before = alone.sync.holder.version
        await services.admin(
            "grant", login=login, role=ROLE, tenant_code=COUNTY, subtree=False, granter=None
        )
        async with asyncio.timeout(WITHIN_POLL):
            while alone.sync.holder.version <= before:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert alone.sync.holder.version > before
    finally:
        await alone.sync.stop()
