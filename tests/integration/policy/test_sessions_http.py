"""Issue 8, finding 6: disabling an account, ending its sessions and revoking its roles
reach its live sessions at once, on the worker that serves them; peers cannot do it to
each other; with Redis down the guard reads the version from PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.http_app import Http, error_of
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, activate, create_staff
from yiwang.platform.cache import Cache
from yiwang.policy.identity.account_versions import INACTIVE, AccountVersions


async def test_a_disabled_account_loses_its_sessions_and_cannot_sign_in(
    http: Http, cleanup: str
) -> None:
    sec, _ = await http.staff(f"sec.{cleanup}", "620000", [("security_admin", "620000", True)])
    login = f"leaver.{cleanup}"
    auth, secret = await http.staff(login, "620102", [("county_operator", "620102", False)])
    assert (await http.get("/api/v1/t/620102/roles", auth)).status_code == 200
    disabled = await http.post(
        "/api/v1/t/620102/users/disable", sec, json={"login": login, "reason": "离职"}
    )
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    assert error_of(await http.get("/api/v1/t/620102/roles", auth)) == (
        401,
        "identity.session_ended",
    )
    assert error_of(await http.get("/api/v1/me", auth)) == (401, "auth.required")
    again = await http.post(
        "/api/v1/auth/login", json={"login": login, "password": PASSWORD, "totp": "000000"}
    )
    assert error_of(again) == (401, "identity.login_failed")
    enabled = await http.post("/api/v1/t/620102/users/enable", sec, json={"login": login})
    assert enabled.json()["status"] == "active"
    auth = await http.sign_in(login, secret)
    ended = await http.post("/api/v1/t/620102/users/sessions/end", sec, json={"login": login})
    assert ended.status_code == 200 and ended.json()["sessions_ended"] is True
    assert error_of(await http.get("/api/v1/me", auth)) == (401, "identity.session_ended")


async def test_a_revoked_role_stops_working_on_the_next_request(http: Http, cleanup: str) -> None:
    pref, _ = await http.staff(
        f"pref.{cleanup}", "620100", [("prefecture_operator", "620100", True)]
    )
    login = f"op.{cleanup}"
    auth, _ = await http.staff(login, "620102", [("county_operator", "620102", False)])
    assert (await http.get("/api/v1/t/620102/roles", auth)).status_code == 200
    revoked = await http.post(
        "/api/v1/t/620102/roles/revocations",
        pref,
        json={"login": login, "role": "county_operator"},
    )
    assert revoked.status_code == 200, revoked.text
    # The same worker made the change: the next request is decided by the new policy.
    assert (await http.get("/api/v1/t/620102/roles", auth)).status_code == 404


async def test_peers_cannot_disable_or_sign_out_each_other(http: Http, cleanup: str) -> None:
    one, _ = await http.staff(f"one.{cleanup}", "620102", [("county_operator", "620102", False)])
    await http.staff(f"two.{cleanup}", "620102", [("county_operator", "620102", False)])
    clerk = f"clerk.{cleanup}"
    await http.staff(clerk, "620102", [("window_clerk", "620102", False)])
    for path in ("disable", "sessions/end"):
        resp = await http.post(
            f"/api/v1/t/620102/users/{path}", one, json={"login": f"two.{cleanup}"}
        )
        assert error_of(resp) == (403, "policy.target_outranks"), path
    # Someone below them, they may.
    resp = await http.post("/api/v1/t/620102/users/sessions/end", one, json={"login": clerk})
    assert resp.status_code == 200, resp.text
    # And themselves (sign out everywhere).
    mine = await http.post(
        "/api/v1/t/620102/users/sessions/end", one, json={"login": f"one.{cleanup}"}
    )
    assert mine.status_code == 200
    assert error_of(await http.get("/api/v1/me", one)) == (401, "identity.session_ended")


async def test_versions_come_from_postgresql_when_redis_is_down(
    services: Stack, cleanup: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    login = f"down.{cleanup}"
    created = await create_staff(services, login, "620102")
    dead = Cache("redis://127.0.0.1:1/0")
    try:
        versions = AccountVersions(dead.strict_client, sessions)
        assert await versions.current(created["id"]) == INACTIVE  # pending: no session valid
        await activate(services, login, created["activation_code"])
        assert await versions.current(created["id"]) == 1
        live = AccountVersions(services.cache.strict_client, sessions)
        await services.account_admin(
            "set_status", login=login, status="disabled", reason=None, actor=None
        )
        assert await versions.current(created["id"]) == INACTIVE
        await services.account_admin(
            "set_status", login=login, status="active", reason=None, actor=None
        )
        # disabled and enabled again: version 3; both stores agree, one without Redis.
        assert await versions.current(created["id"]) == 3
        assert await live.current(created["id"]) == 3
        assert versions.database_reads == 4
    finally:
        await dead.close()
