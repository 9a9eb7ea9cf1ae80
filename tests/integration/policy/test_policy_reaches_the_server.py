"""Grants, revocations and deny overrides made on the command line reach a running server.

The server runs in its own process (`yiwang serve`); each change is a real `yiwang`
command in another. A staff member signed in to that server gains and loses a
permission within a second through Redis, or within the policy poll when Redis is
away: the server never goes on deciding with a policy the database has replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest

from tests.integration.server_process import (
    NO_REDIS,
    WITHIN_POLL,
    WITHIN_REDIS,
    cli,
    seen_within,
)
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, fresh_ip, make_staff, totp_code
from yiwang.platform.settings import Settings

COUNTY = "620102"
ROLE = "county_operator"
#: a county operator's read of the unpublished draft: `metadata:inspect`
PROBE = f"/api/v1/t/{COUNTY}/metadata/draft"


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


@pytest.mark.parametrize(
    ("redis", "within"), [("up", WITHIN_REDIS), ("down", WITHIN_POLL)], ids=["redis", "no-redis"]
)
async def test_grant_deny_and_revoke_from_the_command_line_reach_the_server(
    migrated: Settings,
    services: Stack,
    server: Callable[[str], tuple[str, dict[str, str]]],
    cleanup: str,
    no_deny_left: None,
    redis: str,
    within: float,
) -> None:
    login = f"srv.{cleanup}"
    secret = await make_staff(services, login, COUNTY, [])
    base, env = server(migrated.redis_url if redis == "up" else NO_REDIS)
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
    timings["deny"] = seen_within(within, lambda: answer() == refused)
    assert max(timings.values()) <= within, timings
