"""Provincial administration over HTTP, behind the guard: onboarding, lifecycle, calendars."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.http_client import client_for
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.settings import Settings
from yiwang.tenants.models import Tenant

NEW_ZONE = "code,name,level,parent_code\n620172,兰州高新技术产业开发区,zone,620100\n"


@pytest.fixture
async def province_admin(services: Stack, cleanup: str) -> tuple[str, str]:
    """A province admin's login and TOTP secret."""
    login = f"padmin.{cleanup}"
    return login, await make_staff(services, login, "620000", [("province_admin", "620000", True)])


@pytest.fixture
def purge_zone(admin_sql: psycopg.Connection) -> Iterator[None]:
    def purge() -> None:
        admin_sql.execute(
            "DELETE FROM departments WHERE tenant_id IN (SELECT id FROM tenants WHERE code = '620172')"
        )
        admin_sql.execute("DELETE FROM tenants WHERE code = '620172'")

    purge()
    yield
    purge()


async def _zone(sessions: async_sessionmaker[AsyncSession]) -> Tenant | None:
    async with sessions() as session:
        return await session.scalar(select(Tenant).where(Tenant.code == "620172"))


async def test_province_admin_onboards_a_new_zone_once(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    province_admin: tuple[str, str],
    purge_zone: None,
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *province_admin)
        body = {"divisions": NEW_ZONE, "template": "gansu"}
        first = await client.post("/api/v1/t/620000/onboard", json=body, headers=auth)
        assert first.status_code == 200, first.text
        assert first.json()["tenants_created"] == 1 and first.json()["changed"] is True
        again = await client.post("/api/v1/t/620000/onboard", json=body, headers=auth)
        assert again.json()["changed"] is False
        page = await client.get("/r/620172/")
        assert page.status_code == 200 and "兰州高新技术产业开发区" in page.text
    zone = await _zone(sessions)
    assert zone is not None and zone.path == "/620000/620100/620172"


@pytest.mark.parametrize(
    ("divisions", "code", "pointer"),
    [
        (
            "code,name,level,parent_code\n620172,高新区,zone,629999\n",
            "divisions.parent_unknown",
            "/lines/2",
        ),
        ("code,name,level,parent_code\n620172,高新区,zone\n", "divisions.columns", "/lines/2"),
        ("code,name\n", "divisions.header", "/lines/1"),
        (
            "code,name,level,parent_code\n630100,西宁市,prefecture,630000\n630000,青海省,province,\n",
            "divisions.outside_subtree",
            "/lines/3",
        ),
    ],
)
async def test_bad_onboarding_input_is_refused_with_line_and_rule(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    province_admin: tuple[str, str],
    purge_zone: None,
    divisions: str,
    code: str,
    pointer: str,
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *province_admin)
        resp = await client.post(
            "/api/v1/t/620000/onboard",
            json={"divisions": divisions, "template": "gansu"},
            headers=auth,
        )
        malformed = await client.post(
            "/api/v1/t/620000/onboard",
            content=b"{not json",
            headers={**auth, "content-type": "application/json"},
        )
        untyped = await client.post("/api/v1/t/620000/onboard", content=b"{}", headers=auth)
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert (error["code"], error["pointer"]) == (code, pointer)
    assert "行" in error["message"]
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "request.body_not_json"
    assert untyped.status_code == 415
    assert await _zone(sessions) is None
    async with sessions() as session:
        assert await session.scalar(select(Tenant).where(Tenant.code.like("63%"))) is None


async def test_county_operator_cannot_onboard_or_suspend(
    migrated: Settings, services: Stack, cleanup: str, purge_zone: None
) -> None:
    secret = await make_staff(
        services, f"cop.{cleanup}", "620102", [("county_operator", "620102", False)]
    )
    async with client_for(migrated) as client:
        auth = await sign_in(client, f"cop.{cleanup}", secret)
        onboard = await client.post(
            "/api/v1/t/620102/onboard",
            json={"divisions": NEW_ZONE, "template": "gansu"},
            headers=auth,
        )
        suspend = await client.post("/api/v1/t/620102/suspend", headers=auth)
        client.cookies.clear()  # sign-in also set a session cookie
        anonymous = await client.post("/api/v1/t/620102/suspend")
    # Its own tenant: it holds a role there, so the refusal says so (404 is for strangers).
    assert (onboard.status_code, onboard.json()["error"]["code"]) == (403, "auth.forbidden")
    assert (suspend.status_code, suspend.json()["error"]["code"]) == (403, "auth.forbidden")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "auth.required"


async def test_province_admin_suspends_and_resumes_over_http(
    migrated: Settings, province_admin: tuple[str, str]
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *province_admin)
        try:
            resp = await client.post(
                "/api/v1/t/620111/suspend", json={"reason": "系统维护"}, headers=auth
            )
            assert resp.status_code == 200, resp.text
            assert resp.json()["status"] == "suspended"
            assert (await client.get("/r/620111/")).status_code == 503
            twice = await client.post("/api/v1/t/620111/suspend", headers=auth)
            assert twice.status_code == 409
            assert twice.json()["error"]["code"] == "tenant.status_transition"
        finally:
            resumed = await client.post("/api/v1/t/620111/resume", headers=auth)
        assert resumed.json()["status"] == "active"
        await asyncio.sleep(0)
        assert (await client.get("/r/620111/")).status_code == 200


async def test_calendar_year_through_the_api(
    migrated: Settings, province_admin: tuple[str, str]
) -> None:
    year_csv = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休上班\n"
    async with client_for(migrated) as client:
        auth = await sign_in(client, *province_admin)
        bad = await client.put(
            "/api/v1/t/620000/calendar/2027", json={"csv": "2027-02-30,holiday,x\n"}, headers=auth
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "calendar.date_invalid"
        ok = await client.put(
            "/api/v1/t/620000/calendar/2027", json={"csv": year_csv}, headers=auth
        )
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"entries": 2}
        county_view = (await client.get("/api/v1/t/620102/calendar/2027")).json()
        assert {"day": "2027-02-20", "kind": "workday", "name": "春节调休上班"} in county_view
        cleared = await client.put("/api/v1/t/620000/calendar/2027", json={"csv": ""}, headers=auth)
        assert cleared.json() == {"entries": 0}


async def test_a_prefecture_operator_cannot_suspend_resume_or_archive(
    migrated: Settings, services: Stack, cleanup: str, province_admin: tuple[str, str]
) -> None:
    """Issue 8, finding 3: the tenant lifecycle is the province's, even for the
    prefecture itself and for a county the province suspended."""
    secret = await make_staff(
        services, f"pop.{cleanup}", "620100", [("prefecture_operator", "620100", True)]
    )
    async with client_for(migrated) as client:
        admin = await sign_in(client, *province_admin)
        suspended = await client.post("/api/v1/t/620111/suspend", headers=admin)
        assert suspended.status_code == 200, suspended.text
        try:
            auth = await sign_in(client, f"pop.{cleanup}", secret)
            client.cookies.clear()
            for code in ("620100", "620102", "620111"):
                for action in ("suspend", "resume", "archive", "unarchive"):
                    resp = await client.post(
                        f"/api/v1/t/{code}/{action}", json={"confirm": "x"}, headers=auth
                    )
                    assert (resp.status_code, resp.json()["error"]["code"]) == (
                        403,
                        "auth.forbidden",
                    ), (code, action)
            status = (await client.get("/api/v1/t/620111")).json()["status"]
            assert status == "suspended"
        finally:
            await client.post("/api/v1/t/620111/resume", headers=admin)


async def test_archiving_is_confirmed_and_the_province_can_undo_it(
    migrated: Settings, province_admin: tuple[str, str], admin_sql: psycopg.Connection
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *province_admin)
        name = (await client.get("/api/v1/t/620111")).json()["name"]
        before = admin_sql.execute("SELECT max(seq) FROM audit_log").fetchone()
        try:
            for body in (None, {"confirm": "兰州"}, {"reason": "撤并"}):
                resp = await client.post("/api/v1/t/620111/archive", json=body, headers=auth)
                assert (resp.status_code, resp.json()["error"]["code"]) == (
                    422,
                    "tenant.archive_confirm",
                )
                assert name in resp.json()["error"]["message"]
            assert (await client.get("/api/v1/t/620111")).json()["status"] == "active"
            archived = await client.post(
                "/api/v1/t/620111/archive", json={"confirm": name, "reason": "撤并"}, headers=auth
            )
            assert archived.json()["status"] == "archived"
            assert (await client.post("/api/v1/t/620111/resume", headers=auth)).status_code == 409
            back = await client.post("/api/v1/t/620111/unarchive", headers=auth)
            assert back.status_code == 200 and back.json()["status"] == "suspended"
        finally:
            resumed = await client.post("/api/v1/t/620111/resume", headers=auth)
        assert resumed.json()["status"] == "active"
    rows = admin_sql.execute(
        "SELECT action, outcome FROM audit_log WHERE object_type = 'tenant'"
        " AND object_id = '620111' AND seq > %s ORDER BY seq",
        (before[0] if before else 0,),
    ).fetchall()
    assert rows == [
        *([("tenant.archive", "failure")] * 3),
        ("tenant.archive", "success"),
        ("tenant.resume", "failure"),
        ("tenant.unarchive", "success"),
        ("tenant.resume", "success"),
    ]
