"""The guard over HTTP: authentication, tenant from the route only, 404 across
regions, scopes that agree with row-level security, and policy changes through
the API that reach a second worker within a second."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from litestar import Litestar, Request, get
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import ROUTES, Platform, build_platform, create_app
from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.broadcast import PolicySync
from yiwang.policy.dependencies import build_policy
from yiwang.policy.guards import access_of
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing


@get("/api/v1/t/{code:str}/probe", opt={"object": "metadata", "action": "read"})
async def probe(request: Request[Any, Any, Any], code: str) -> dict[str, Any]:
    access = access_of(request)
    assert access is not None
    return {
        "acting": access.scope.acting_tenant_id,
        "visible": sorted(access.scope.visible_tenant_ids),
        "department_only": access.department_only,
    }


@get("/api/v1/t/{code:str}/subtree/records", opt={"object": "record", "action": "read"})
async def subtree_records(request: Request[Any, Any, Any], code: str) -> dict[str, Any]:
    access = access_of(request)
    assert access is not None
    return {"visible": sorted(access.scope.visible_tenant_ids)}


@get("/api/v1/t/{code:str}/records/scope", opt={"object": "record", "action": "read"})
async def case_scope(uow: UnitOfWork, request: Request[Any, Any, Any], code: str) -> dict[str, Any]:
    access = access_of(request)
    assert access is not None
    visible = (
        await uow.session.execute(text("SELECT current_setting('yiwang.visible_tenants')"))
    ).scalar_one()
    return {"db_visible": visible, "department_only": access.department_only}


@get("/api/v1/t/{code:str}/undeclared")
async def undeclared(code: str) -> dict[str, str]:
    return {"leak": "yes"}


@pytest.fixture
async def app_services(
    migrated: Settings, services: Stack
) -> AsyncIterator[tuple[Litestar, Stack, Platform]]:
    """The platform as `create_app` builds it, with its own engine, cache and services,
    serving probe routes.

    The test client runs the app on its own event loop, so nothing the app uses
    may be shared with the test's loop. Setup goes through `services` (the test's
    loop); the app's worker learns of it through the policy broadcast, exactly
    like a second worker would.
    """
    platform = build_platform(
        migrated, hashing=PasswordHashing(HashingParameters.for_tests()), policy_poll_seconds=5
    )
    app = create_app(
        platform=platform, routes=[*ROUTES, probe, subtree_records, case_scope, undeclared]
    )
    yield app, services, platform


async def wait_for_version(sync: PolicySync, version: int, within: float = 1.0) -> None:
    """Until `policy`'s worker runs `version`. Its engine may live on another event
    loop (the test client's), so this polls a plain attribute instead of awaiting an
    event that loop would have to set."""
    async with asyncio.timeout(within):
        while sync.holder.version < version:  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def caught_up(app_policy: Platform, services: Stack) -> None:
    """The app's worker runs the policy version the test's side last wrote."""
    await wait_for_version(app_policy.policy.sync, services.sync.holder.version)


async def test_authentication_and_undeclared_routes(app_services: Any, cleanup: str) -> None:
    app, services, app_policy = app_services
    async with AsyncTestClient(app=app) as client:
        resp = await client.get("/api/v1/t/620102/probe")
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "auth.required"
        secret = await make_staff(
            services, f"op.{cleanup}", "620102", [("county_operator", "620102", False)]
        )
        await caught_up(app_policy, services)
        auth = await sign_in(client, f"op.{cleanup}", secret)
        resp = await client.get("/api/v1/t/620102/undeclared", headers=auth)
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "policy.route_undeclared"
        assert "leak" not in resp.text
        # Logout removes the session: the token stops working.
        await client.post("/api/v1/auth/logout", headers=auth)
        assert (await client.get("/api/v1/t/620102/probe", headers=auth)).status_code == 401


async def test_other_regions_answer_404_and_forged_tenants_are_ignored(
    app_services: Any, cleanup: str, gansu: dict[str, int]
) -> None:
    app, services, app_policy = app_services
    async with AsyncTestClient(app=app) as client:
        secret = await make_staff(
            services, f"op.{cleanup}", "620102", [("county_operator", "620102", False)]
        )
        await caught_up(app_policy, services)
        auth = await sign_in(client, f"op.{cleanup}", secret)
        own = await client.get("/api/v1/t/620102/probe", headers=auth)
        assert own.status_code == 200
        assert own.json() == {
            "acting": gansu["620102"],
            "visible": [gansu["620102"]],
            "department_only": False,
        }
        for other in ("620201", "620103", "620100", "620000"):
            resp = await client.get(f"/api/v1/t/{other}/probe", headers=auth)
            assert resp.status_code == 404, other
            assert str(gansu[other]) not in resp.text
        forged = await client.get(
            "/api/v1/t/620102/probe",
            params={"tenant": "620201", "tenant_id": str(gansu["620201"])},
            headers={**auth, "x-tenant-id": str(gansu["620201"]), "x-tenant": "620201"},
        )
        assert forged.json()["visible"] == [gansu["620102"]]
        # The edge refuses a malformed body before the guard runs, with the same answer for
        # every region, so junk tells nothing about another region (or whether it exists).
        json_auth = {**auth, "content-type": "application/json"}
        junk = await client.post(
            "/api/v1/t/620201/roles/grants", content=b"{junk", headers=json_auth
        )
        nowhere = await client.post(
            "/api/v1/t/699999/roles/grants", content=b"{junk", headers=json_auth
        )
        assert (junk.status_code, junk.json()) == (400, nowhere.json())
        assert junk.json()["error"]["code"] == "request.body_not_json"
        # A well-formed body for another region meets the guard: 404.
        other = await client.post(
            "/api/v1/t/620201/roles/grants", json={"login": "x", "role": "viewer"}, headers=auth
        )
        assert other.status_code == 404
        # A role without the permission at its own tenant: 403, not 404.
        secret2 = await make_staff(
            services, f"clerk.{cleanup}", "620102", [("auditor", "620102", False)]
        )
        await caught_up(app_policy, services)
        auth2 = await sign_in(client, f"clerk.{cleanup}", secret2)
        resp = await client.get("/api/v1/t/620102/probe", headers=auth2)
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "auth.forbidden"


async def test_subtree_scope_agrees_with_casbin_and_rls(
    app_services: Any, cleanup: str, gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    app, services, app_policy = app_services
    lanzhou = sorted(v for k, v in gansu.items() if k == "620100" or k.startswith("6201"))
    async with AsyncTestClient(app=app) as client:
        secret = await make_staff(
            services, f"pref.{cleanup}", "620100", [("prefecture_operator", "620100", True)]
        )
        await caught_up(app_policy, services)
        auth = await sign_in(client, f"pref.{cleanup}", secret)
        resp = await client.get("/api/v1/t/620100/subtree/records", headers=auth)
        assert resp.json()["visible"] == lanzhou
        db = await client.get("/api/v1/t/620100/records/scope", headers=auth)
        assert db.json()["db_visible"] == "{" + str(gansu["620100"]) + "}"
        # A deny at one county takes it out of the subtree scope.
        await services.admin(
            "deny",
            role="prefecture_operator",
            obj="record",
            action="read",
            tenant_code="620102",
            granter=None,
        )
        await caught_up(app_policy, services)
        try:
            resp = await client.get("/api/v1/t/620100/subtree/records", headers=auth)
            assert resp.json()["visible"] == [i for i in lanzhou if i != gansu["620102"]]
        finally:
            admin_sql.execute(
                "DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'prefecture_operator'"
                " AND v1 = '/620000/620100/620102'"
            )
            admin_sql.execute("UPDATE policy_state SET version = version + 1")


async def test_department_staff_are_flagged_department_only(
    app_services: Any, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    app, services, app_policy = app_services
    department = admin_sql.execute(
        "SELECT d.key FROM departments d JOIN tenants t ON t.id = d.tenant_id"
        " WHERE t.code = '620102' ORDER BY d.key LIMIT 1"
    ).fetchone()
    assert department is not None
    async with AsyncTestClient(app=app) as client:
        secret = await make_staff(
            services,
            f"clerk.{cleanup}",
            "620102",
            [("window_clerk", "620102", False)],
            department=department[0],
        )
        await caught_up(app_policy, services)
        auth = await sign_in(client, f"clerk.{cleanup}", secret)
        resp = await client.get("/api/v1/t/620102/records/scope", headers=auth)
        assert resp.json()["department_only"] is True


async def test_grants_through_the_api_follow_rank_and_reach_and_reach_a_second_worker(
    app_services: Any,
    cleanup: str,
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The grant is made by the app's worker; `second` hears of it only through Redis."""
    app, services, app_policy = app_services
    other_cache = Cache(migrated.redis_url)
    second = build_policy(migrated, sessions, other_cache, poll_seconds=30)  # relies on Redis
    await second.sync.start()
    try:
        async with AsyncTestClient(app=app) as client:
            secret = await make_staff(
                services, f"pref.{cleanup}", "620100", [("prefecture_operator", "620100", True)]
            )
            await make_staff(services, f"new.{cleanup}", "620102", [])
            await caught_up(app_policy, services)
            auth = await sign_in(client, f"pref.{cleanup}", secret)
            before = second.sync.holder.version
            resp = await client.post(
                "/api/v1/t/620102/roles/grants",
                json={"login": f"new.{cleanup}", "role": "county_operator"},
                headers=auth,
            )
            assert resp.status_code == 201, resp.text
            version = resp.json()["policy_version"]
            assert version > before
            # Within a second, through Redis alone (its poll interval is 30 s).
            await wait_for_version(second.sync, version, within=1.0)
            # Above own rank, and outside own subtree.
            resp = await client.post(
                "/api/v1/t/620100/roles/grants",
                json={"login": f"new.{cleanup}", "role": "security_admin"},
                headers=auth,
            )
            assert (
                resp.status_code == 403 and resp.json()["error"]["code"] == "policy.grant_above_own"
            )
            resp = await client.post(
                "/api/v1/t/620201/roles/grants",
                json={"login": f"new.{cleanup}", "role": "window_clerk"},
                headers=auth,
            )
            assert resp.status_code == 404
            explain = await client.get(
                "/api/v1/t/620102/policy/explain",
                params={"login": f"new.{cleanup}", "action": "publish", "object": "metadata"},
                headers=auth,
            )
            assert explain.status_code == 200 and explain.json()["allowed"] is True
    finally:
        await second.sync.stop()
        await other_cache.close()
