"""The request edge over HTTP, against the real app: each test performs an attack of the
security review (issue 8, findings 5, 9, 11, 15) and fails if it succeeds again."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from litestar import Litestar, MediaType, get
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import create_app
from yiwang.platform.edge import media_types
from yiwang.platform.edge.plugin import EdgePlugin, install_edge
from yiwang.platform.error_handlers import EXCEPTION_HANDLERS
from yiwang.platform.settings import Settings

JSON = {"content-type": "application/json"}
EVIL = "http://evil.example"
SIBLING = "http://chengguan.yiwang.localhost:8000"
OWN = "http://127.0.0.1:8000"
DEEP = b"[" * 10_000 + b"]" * 10_000


@get("/ping", opt={"public": True})
async def ping() -> dict[str, bool]:
    return {"ok": True}


@get("/page", opt={"public": True}, media_type=MediaType.HTML)
async def page() -> str:
    return "<p>ok</p>"


@pytest.fixture
async def admin(services: Stack, cleanup: str) -> tuple[str, str]:
    """A province admin's login and TOTP secret."""
    login = f"edge.{cleanup}"
    return login, await make_staff(services, login, "620000", [("province_admin", "620000", True)])


@pytest.fixture
def keep_620111_active(admin_sql: psycopg.Connection) -> Iterator[None]:
    yield
    admin_sql.execute("UPDATE tenants SET status = 'active' WHERE code = '620111'")


def _error(resp: Any) -> dict[str, Any]:
    body = resp.json()
    assert set(body) == {"error"}, body
    return dict(body["error"])


def _body_routes(app: Litestar, *, json: bool = True) -> list[tuple[str, str]]:
    """Every state-changing (method, path) of the app that takes JSON (or, with
    `json=False`, that takes none), path parameters filled in."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            takes_json = any(media_types.is_json(m) for m in media_types.accepted(handler.opt))
            if takes_json != json:
                continue
            for method in getattr(handler, "http_methods", ()):
                if method in ("POST", "PUT", "PATCH", "DELETE"):
                    path = re.sub(r"\{code:str\}", "620000", route.path)
                    path = re.sub(r"\{year:int\}", "2026", path)
                    path = re.sub(r"\{[^}:]+:uuid\}", str(uuid.UUID(int=0)), path)
                    path = re.sub(r"\{[a-z_]+:int\}", "1", path)
                    found.append((method, re.sub(r"\{[^}]+\}", "x", path)))
    return sorted(set(found))


# -- finding 9: unhandled errors ------------------------------------------------------


async def test_json_ten_thousand_deep_is_a_422_on_every_body_route(
    migrated: Settings, admin: tuple[str, str]
) -> None:
    app = create_app(migrated)
    routes = _body_routes(app)
    assert ("POST", "/api/v1/auth/login") in routes and len(routes) >= 15
    async with AsyncTestClient(app=app, base_url=OWN) as client:
        for signed_in in (False, True):
            headers = {**JSON, **(await sign_in(client, *admin) if signed_in else {})}
            for method, path in routes:
                resp = await client.request(method, path, content=DEEP, headers=headers)
                assert resp.status_code == 422, (method, path, resp.status_code, resp.text)
                assert _error(resp)["code"] == "request.json_too_deep"

    # a route that takes no JSON (the local upload form) refuses the body's type instead
    others = _body_routes(app, json=False)
    assert others
    async with AsyncTestClient(app=app, base_url=OWN) as client:
        for method, path in others:
            resp = await client.request(method, path, content=DEEP, headers=JSON)
            assert resp.status_code == 415, (method, path, resp.status_code, resp.text)
            assert _error(resp)["code"] == "edge.media_type"


@pytest.mark.parametrize(
    ("path", "body", "pointer"),
    [
        ("/api/v1/auth/login", {"login": "admin\u0000", "password": "x"}, "/login"),
        ("/api/v1/t/620000/users", {"login": "nul\u0000user", "kind": "staff"}, "/login"),
        ("/api/v1/t/620000/roles/grants", {"login": "x", "role": "viewer\u0000"}, "/role"),
        ("/api/v1/t/620000/roles/revocations", {"login": "x\u0000", "role": "viewer"}, "/login"),
        (
            "/api/v1/t/620000/policy/denies",
            {"role": "viewer", "object": "tenant\u0000", "action": "read"},
            "/object",
        ),
        ("/api/v1/auth/sms/code", {"phone": "138\u00000000000"}, "/phone"),
    ],
)
async def test_a_nul_byte_is_a_422_with_its_pointer_not_a_500(
    migrated: Settings,
    admin: tuple[str, str],
    admin_sql: psycopg.Connection,
    path: str,
    body: dict[str, Any],
    pointer: str,
) -> None:
    before = admin_sql.execute("SELECT count(*) FROM accounts").fetchone()
    async with client_for(migrated) as client:
        auth = await sign_in(client, *admin)
        resp = await client.post(path, json=body, headers=auth)
    assert resp.status_code == 422, resp.text
    error = _error(resp)
    assert (error["code"], error["pointer"]) == ("request.control_character", pointer)
    assert "U+0000" in error["message"]
    assert admin_sql.execute("SELECT count(*) FROM accounts").fetchone() == before


async def test_a_nul_byte_in_the_query_is_a_422(migrated: Settings, admin: tuple[str, str]) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *admin)
        resp = await client.get("/api/v1/t/620000/roles?login=a%00b", headers=auth)
    assert resp.status_code == 422, resp.text
    assert (_error(resp)["code"], _error(resp)["pointer"]) == (
        "request.control_character",
        "/query",
    )


async def test_a_repeated_key_cannot_smuggle_a_second_value(
    migrated: Settings, admin: tuple[str, str]
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *admin)
        resp = await client.post(
            "/api/v1/t/620000/roles/grants",
            content=b'{"login": "x", "role": "viewer", "role": "system_admin"}',
            headers={**auth, **JSON},
        )
    assert resp.status_code == 422, resp.text
    assert (_error(resp)["code"], _error(resp)["pointer"]) == ("request.duplicate_key", "/role")


async def test_bidi_controls_in_a_division_name_are_refused(
    migrated: Settings, admin: tuple[str, str]
) -> None:
    divisions = "code,name,level,parent_code\n620172,\u202e区新技高,zone,620100\n"
    async with client_for(migrated) as client:
        auth = await sign_in(client, *admin)
        resp = await client.post(
            "/api/v1/t/620000/onboard",
            json={"divisions": divisions, "template": "gansu"},
            headers=auth,
        )
    assert resp.status_code == 422, resp.text
    error = _error(resp)
    assert (error["code"], error["pointer"]) == ("divisions.name_unsafe", "/lines/2")
    assert "U+202E" in error["message"]


# -- finding 5: CSRF -----------------------------------------------------------------


async def _cookie_session(client: AsyncTestClient[Litestar], admin: tuple[str, str]) -> str:
    """Signs in, then forgets the bearer token: the browser holds only cookies. Returns
    the CSRF token the browser was given."""
    await sign_in(client, *admin)
    assert client.cookies.get("yiwang_session")
    token = client.cookies.get("yiwang_csrf")
    assert token
    return str(token)


async def test_a_forged_cross_site_grant_is_refused(
    migrated: Settings, admin: tuple[str, str], services: Stack, cleanup: str
) -> None:
    target = f"victim.{cleanup}"
    await make_staff(services, target, "620100", [])
    grant = f'{{"login": "{target}", "role": "prefecture_operator"}}'.encode()
    async with client_for(migrated) as client:
        token = await _cookie_session(client, admin)
        url = "/api/v1/t/620100/roles/grants"
        # the review's attack: a cookie, a foreign Origin, text/plain (no preflight)
        attacks = [
            ({"origin": EVIL, "content-type": "text/plain"}, 403, "edge.csrf_origin"),
            ({"origin": EVIL, **JSON, "x-csrf-token": token}, 403, "edge.csrf_origin"),
            ({"referer": f"{EVIL}/page.html", **JSON}, 403, "edge.csrf_origin"),
            # a sibling subsite is same-site, so SameSite=Lax lets its cookie through
            ({"origin": SIBLING, **JSON, "x-csrf-token": token}, 403, "edge.csrf_origin"),
            # no Origin at all (an old browser) and no token
            ({"content-type": "text/plain"}, 415, "edge.media_type"),
            ({"content-type": "application/x-www-form-urlencoded"}, 415, "edge.media_type"),
            (JSON, 403, "edge.csrf_token"),
            ({**JSON, "x-csrf-token": "guessed"}, 403, "edge.csrf_token"),
        ]
        for headers, status, code in attacks:
            resp = await client.post(url, content=grant, headers=headers)
            assert resp.status_code == status, (headers, resp.text)
            assert _error(resp)["code"] == code
        roles = await client.get(f"/api/v1/t/620100/roles?login={target}")
        assert roles.status_code == 200 and roles.json() == []
        # the same request from our own page, with the token, goes through
        ours = await client.post(
            url, content=grant, headers={"origin": OWN, **JSON, "x-csrf-token": token}
        )
        assert ours.status_code == 201, ours.text


async def test_forged_import_publish_and_suspend_are_refused(
    migrated: Settings, admin: tuple[str, str], keep_620111_active: None
) -> None:
    async with client_for(migrated) as client:
        await _cookie_session(client, admin)
        form_import = await client.post(
            "/api/v1/t/620000/metadata/import",
            content=b"format=yiwang-metadata%2F1",
            headers={"origin": EVIL, "content-type": "application/x-www-form-urlencoded"},
        )
        assert form_import.status_code == 403, form_import.text
        form_same_origin = await client.post(
            "/api/v1/t/620000/metadata/import",
            content=b"format=yiwang-metadata%2F1",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert form_same_origin.status_code == 415, form_same_origin.text
        for path in ("/api/v1/t/620000/metadata/publish", "/api/v1/t/620111/suspend"):
            bodiless = await client.post(path, headers={"origin": EVIL})
            assert (bodiless.status_code, _error(bodiless)["code"]) == (403, "edge.csrf_origin")
            no_token = await client.post(path)
            assert (no_token.status_code, _error(no_token)["code"]) == (403, "edge.csrf_token")
        county = await client.get("/api/v1/t/620111")
    assert county.json()["status"] == "active"


async def test_bearer_requests_need_no_csrf_token(
    migrated: Settings, admin: tuple[str, str], keep_620111_active: None
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *admin)
        client.cookies.clear()
        resp = await client.post(
            "/api/v1/t/620111/suspend", json={"reason": "测试"}, headers={**auth, "origin": EVIL}
        )
    assert resp.status_code == 200, resp.text


async def test_the_csrf_cookie_is_issued_and_renewed_with_the_session(
    migrated: Settings, admin: tuple[str, str]
) -> None:
    async with client_for(migrated) as client:
        # an API answer to a client without the cookie carries none: only pages hand it out
        api = await client.get("/healthz")
        assert "set-cookie" not in api.headers
        first = await client.get("/r/620102/")
        issued = first.cookies.get("yiwang_csrf")
        assert issued and "samesite=strict" in first.headers["set-cookie"].lower()
        again = await client.get("/r/620102/")
        assert "yiwang_csrf" not in again.headers.get("set-cookie", "")
        await sign_in(client, *admin)
        assert client.cookies.get("yiwang_csrf") not in (None, issued)


# -- finding 11: security headers ------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/", "/api/v1/nothing-here", "/schema"])
async def test_every_response_carries_the_security_headers(migrated: Settings, path: str) -> None:
    async with client_for(migrated) as client:
        resp = await client.get(path)
    headers = resp.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])
    assert "strict-transport-security" not in headers


async def test_hsts_in_production(migrated: Settings) -> None:
    """The shell alone (the whole app in production needs production keys and providers)."""
    production = replace(migrated, environment="production")
    app = Litestar(
        [ping, page], plugins=[EdgePlugin(production)], exception_handlers=EXCEPTION_HANDLERS
    )
    install_edge(app, production)
    async with AsyncTestClient(app=app) as client:
        resp = await client.get("/page")
    assert resp.status_code == 200
    assert resp.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "; secure" in resp.headers["set-cookie"].lower()


async def test_personal_data_is_not_stored_by_caches(
    migrated: Settings, admin: tuple[str, str]
) -> None:
    async with client_for(migrated) as client:
        public = await client.get("/api/v1/tenants")
        auth = await sign_in(client, *admin)
        me = await client.get("/api/v1/me", headers=auth)
        roles = await client.get("/api/v1/t/620000/roles", headers=auth)
        static = await client.get("/static/yiwang/portal.css")
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    assert roles.headers["cache-control"] == "no-store"
    assert "no-store" not in public.headers.get("cache-control", "")
    assert static.status_code == 200
    assert "max-age=86400" in static.headers["cache-control"]


async def test_a_405_says_which_methods_are_allowed(migrated: Settings) -> None:
    async with client_for(migrated) as client:
        resp = await client.delete("/healthz")
    assert resp.status_code == 405
    assert "GET" in resp.headers["allow"]
    assert _error(resp)["code"] == "method_not_allowed"


# -- finding 15: X-Forwarded-For -------------------------------------------------------


async def test_a_client_cannot_choose_its_address_in_the_audit_trail(
    migrated: Settings, admin_sql: psycopg.Connection, cleanup: str
) -> None:
    login = f"nobody.{cleanup}"
    async with client_for(migrated) as client:
        resp = await client.post(
            "/api/v1/auth/login",
            json={"login": login, "password": "wrong-password", "totp": "000000"},
            headers={"x-forwarded-for": "6.6.6.6", "x-real-ip": "6.6.6.6"},
        )
    assert resp.status_code == 401, resp.text
    row = admin_sql.execute(
        "SELECT detail->>'ip' FROM audit_log WHERE action = 'identity.login' "
        "ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert row is not None and row[0] == "testclient"


async def test_sign_in_records_name_the_client_a_trusted_proxy_saw_and_nobody_elses(
    migrated: Settings, admin_sql: psycopg.Connection, cleanup: str
) -> None:
    """Behind a trusted proxy, every kind of sign-in record (failed, malformed, an SMS code
    for a malformed number) names the address the proxy saw, never the one a client
    wrote at the left of `X-Forwarded-For`: the identity routes read the edge's one
    `client_ip`."""
    app = create_app(replace(migrated, trusted_proxies=("10.9.9.0/24",)))

    async def behind_proxy(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": ("10.9.9.9", 50000)}
        await app(scope, receive, send)

    forwarded = {"x-forwarded-for": "6.6.6.6, 203.0.113.77"}
    async with AsyncTestClient(app=behind_proxy) as client:  # type: ignore[arg-type]
        answers = [
            await client.post(
                "/api/v1/auth/login",
                json={"login": f"nobody.{cleanup}", "password": "wrong-password"},
                headers=forwarded,
            ),
            await client.post(
                "/api/v1/auth/login",
                json={"login": f"a\u202eb.{cleanup}", "password": "wrong-password"},
                headers=forwarded,
            ),
            # Nine digits at most, whatever the tag: "138-" and a tag of eight hex digits
            # that happened to be all decimal made a real mobile number (about 1 run in 40).
            await client.post(
                "/api/v1/auth/sms/code", json={"phone": f"1-{cleanup}"}, headers=forwarded
            ),
        ]
    assert [a.status_code for a in answers] == [401, 422, 422], [a.text for a in answers]
    rows = admin_sql.execute(
        "SELECT detail->>'reason', detail->>'ip' FROM audit_log"
        " WHERE action IN ('identity.login', 'identity.sms_code')"
        " AND (actor LIKE %s OR detail->>'phone' LIKE %s) ORDER BY seq",
        (f"%{cleanup}", f"%{cleanup}"),
    ).fetchall()
    assert rows == [
        ("unknown_login", "203.0.113.77"),
        ("malformed_login", "203.0.113.77"),
        ("malformed_phone", "203.0.113.77"),
    ]
