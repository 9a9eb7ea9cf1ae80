"""Every route, walked from the real route table as an anonymous caller and as a citizen.

One expected answer per route, derived from the level the route declares:

- **permission** (`object` and `action`): anonymously 401 `auth.required`; as a
  citizen signed in by SMS, 403 `auth.forbidden` (the guard's refusal for a
  subject without the permission: a citizen is not staff, so it gets 403, not
  the 404 staff of another region get) unless the citizen's role in the
  catalogue holds that permission, in which case the route answers for itself
  (no refusal, no 5xx, nothing of another person).
- **authenticated**: anonymously 401 `auth.required`; as a citizen the route's
  own answer, which names only the caller (never the other citizen of the test).
- **public**: anonymous, citizen and another region's staff alike: no 5xx and
  no staff-only field anywhere in a JSON answer.

And the citizen's refused calls change nothing: every table but the audit log
hashes the same before and after, and the audit log only gained refusals.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.security.routes import RouteCall, parameters, route_calls
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.settings import Settings
from yiwang.policy.catalogue import load_catalogue
from yiwang.tenants.tree import TenantTree

TARGET = "620102"
#: keys that name staff, their credentials or a tenant's internals: never in a public answer
STAFF_ONLY_FIELDS = frozenset(
    {
        "login",
        "logins",
        "published_by",
        "created_by",
        "updated_by",
        "actor",
        "granter",
        "password",
        "initial_password",
        "password_hash",
        "totp_uri",
        "totp_secret",
        "secret",
        "token",
        "phone",
        "id_number",
        "settings",
        "hosts",
    }
)
#: public routes whose answer is the caller's own sign-in or sign-out, not a shared page
OWN_ANSWER = frozenset({"/api/v1/auth/login", "/api/v1/auth/sms/login", "/api/v1/auth/logout"})
#: the routes that end the caller's session: the API's and the subsites' sign-out
SIGN_OUT = frozenset({"/api/v1/auth/logout", "/r/{code:str}/signout"})
#: the API's description: its property names describe fields, they carry no one's data
DESCRIPTION = "/schema"


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _error_code(resp: Any) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return None
    error = body["error"]
    return str(error["code"]) if {"code", "message"} <= set(error) else None


async def _call(client: AsyncTestClient[Litestar], call: RouteCall, headers: dict[str, str]) -> Any:
    return await client.request(
        call.method,
        call.path(TARGET),
        headers={**headers, "accept": "application/json"},
        json={} if call.method in ("POST", "PUT", "PATCH") else None,
    )


def _snapshot(admin_sql: psycopg.Connection) -> tuple[dict[str, str], int]:
    """A hash of every table's rows but the audit log's, and the audit log's last seq."""
    tables = [
        r[0]
        for r in admin_sql.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'audit_log' ORDER BY tablename"
        ).fetchall()
    ]
    hashes = {}
    for table in tables:
        row = admin_sql.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            f' FROM "{table}" t'
        ).fetchone()
        assert row is not None
        hashes[table] = f"{row[0]}:{row[1]}"
    seq = admin_sql.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()
    assert seq is not None
    return hashes, int(seq[0])


async def test_anonymous_callers_get_401_on_every_route_that_is_not_public(
    migrated: Settings,
) -> None:
    async with client_for(migrated) as client:
        calls = [c for c in route_calls(client.app) if c.level != "public"]
        wrong = []
        for call in calls:
            resp = await _call(client, call, {})
            if resp.status_code != 401 or _error_code(resp) != "auth.required":
                wrong.append(f"{call} -> {resp.status_code} {resp.text[:160]}")
    assert len(calls) >= 25, len(calls)
    assert not wrong, "\n".join(wrong)


def _about(resp: Response, own_id: int, phone: str) -> bool:
    """Whether an answer is about the caller: their id in JSON, their masked number in HTML."""
    if resp.headers.get("content-type", "").startswith("text/html"):
        return f"{phone[:3]}****{phone[-4:]}" in resp.text
    return bool(resp.json().get("id") == own_id)


async def test_a_citizen_gets_the_refusal_its_permissions_call_for_and_changes_nothing(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> None:
    catalogue = load_catalogue(migrated.templates_root)
    citizen_role = catalogue.role_for_kind("citizen")
    assert citizen_role is not None
    async with client_for(migrated, var_dir=tmp_path) as client:
        phone, other_phone = phone_for(cleanup, 1), phone_for(cleanup, 2)
        other = await sign_in_citizen(client, tmp_path, other_phone)
        other_id = (await client.get("/api/v1/me", headers=other)).json()["id"]
        client.cookies.clear()
        citizen = await sign_in_citizen(client, tmp_path, phone)
        own_id = (await client.get("/api/v1/me", headers=citizen)).json()["id"]
        client.cookies.clear()
        calls = [c for c in route_calls(client.app) if c.level != "public"]
        refused = [
            c for c in calls if c.level == "permission" and not citizen_role.allows(*c.permission)
        ]
        before = _snapshot(admin_sql)
        wrong = []
        for call in calls:
            resp = await _call(client, call, citizen)
            seen = f"{call} -> {resp.status_code} {resp.text[:160]}"
            if call in refused:
                if resp.status_code != 403 or _error_code(resp) != "auth.forbidden":
                    wrong.append(seen)
            elif resp.status_code in (401, 403) or resp.status_code >= 500:
                wrong.append(seen)
            elif other_phone in resp.text or f'"id":{other_id}' in resp.text.replace(" ", ""):
                wrong.append(f"{seen} (names the other citizen)")
            elif (
                # a signed-in route addressed by no id answers about the caller alone: its
                # JSON names the caller's id, its page the caller's masked number
                call.level == "authenticated"
                and call.method == "GET"
                and not parameters(call.template)
                and not _about(resp, own_id, phone)
            ):
                wrong.append(f"{seen} (not the caller's own)")
        after = _snapshot(admin_sql)
    assert len(refused) >= 15, len(refused)
    assert not wrong, "\n".join(wrong)
    # Nothing changed but the audit log, and there only refusals were added.
    changed = {t for t in before[0] if before[0][t] != after[0].get(t)}
    assert not changed, sorted(changed)
    added = admin_sql.execute(
        "SELECT action, outcome FROM audit_log WHERE seq > %s AND seq <= %s",
        (before[1], after[1]),
    ).fetchall()
    assert all(outcome != "success" for _, outcome in added), added


async def test_public_routes_show_no_staff_field_to_anyone(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
) -> None:
    login = f"pub.{cleanup}"
    secret = await make_staff(services, login, "620201", [("county_operator", "620201", False)])
    async with client_for(migrated, var_dir=tmp_path) as client:
        callers = {
            "anonymous": {},
            "citizen": await sign_in_citizen(client, tmp_path, phone_for(cleanup, 3)),
            "other region's staff": await sign_in(client, login, secret),
        }
        client.cookies.clear()
        # signing out ends the caller's session: those routes go last
        calls = sorted(
            (c for c in route_calls(client.app) if c.level == "public"),
            key=lambda c: c.template in SIGN_OUT,
        )
        wrong = []
        for who, headers in callers.items():
            for call in calls:
                resp = await _call(client, call, headers)
                seen = f"[{who}] {call} -> {resp.status_code} {resp.text[:160]}"
                if resp.status_code >= 500:
                    wrong.append(seen)
                elif (
                    call.template not in OWN_ANSWER
                    and not call.template.startswith(DESCRIPTION)
                    and resp.content
                    and "json" in resp.headers.get("content-type", "")
                ):
                    leaked = STAFF_ONLY_FIELDS & set(_keys(resp.json()))
                    if leaked:
                        wrong.append(f"{seen} (staff-only {sorted(leaked)})")
            client.cookies.clear()
    assert len(calls) >= 15, len(calls)
    assert not wrong, "\n".join(wrong)


async def test_a_citizen_reads_no_operator_work(
    migrated: Settings, installed: TenantTree, services: Stack, cleanup: str, tmp_path: Path
) -> None:
    """Drafts, diffs, exports and versions are operators' business (issue 8, finding 1)."""
    async with client_for(migrated, var_dir=tmp_path) as client:
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 4))
        client.cookies.clear()
        answers = {
            path: (await client.get(f"/api/v1/t/{TARGET}/metadata/{path}", headers=citizen))
            for path in ("draft", "draft/diff", "export", "versions")
        }
    assert {p: (r.status_code, _error_code(r)) for p, r in answers.items()} == {
        p: (403, "auth.forbidden") for p in answers
    }
