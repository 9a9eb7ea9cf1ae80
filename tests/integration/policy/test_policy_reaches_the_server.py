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
from tests.integration.staff import PASSWORD, make_staff, totp_code
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


def signed_in(base: str, login: str, secret: str) -> dict[str, str]:
    with httpx.Client(base_url=base, timeout=5) as client:
        client.get("/healthz")
        token = client.cookies.get("yiwang_csrf")
        resp = client.post(
            "/api/v1/auth/login",
            json={"login": login, "password": PASSWORD, "totp": totp_code(secret)},
            headers={"x-csrf-token": token} if token else None,
        )
    assert resp.status_code == 200, resp.text
    return {"authorization": f"Bearer {resp.json()['token']}"}


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
    headers = signed_in(base, login, secret)

    def answer() -> int:
        return httpx.get(base + PROBE, headers=headers, timeout=2).status_code

    refused = answer()
    assert refused == 403
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
