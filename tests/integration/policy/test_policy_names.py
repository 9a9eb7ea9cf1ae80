"""Names given to policy changes (role, object and action keys, the subject's login) are
held to the kernel's rule for names at every door: a bidirectional override, a
zero-width character or a NUL is refused with 422 `policy.name_unsafe`, never echoed,
and the refused change is audited with the character escaped."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.http_app import Http, error_of
from tests.integration.staff import create_staff
from yiwang.platform.errors import InvalidInput


async def test_a_trojan_source_role_login_or_rule_is_refused_over_http(
    http: Http, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    pref, _ = await http.staff(
        f"pref.{cleanup}", "620100", [("prefecture_operator", "620100", True)]
    )
    target = f"target.{cleanup}"
    await create_staff(http.services, target, "620102")
    attacks = [
        # "window_clerk" followed by a right-to-left override: shows as another role
        ("POST", "roles/grants", {"json": {"login": target, "role": "window_clerk\u202e"}}, "/role"),
        ("POST", "roles/grants", {"json": {"login": target + "\u200b", "role": "window_clerk"}}, "/login"),
        ("POST", "roles/revocations", {"json": {"login": target, "role": "\u2066county_operator"}}, "/role"),
        ("POST", "policy/denies", {"json": {"role": "window_clerk", "object": "case\u200e", "action": "read"}}, "/object"),
        ("GET", "roles", {"params": {"login": "a\u202eb"}}, "/login"),
        ("GET", "policy/explain", {"params": {"login": target, "action": "read\u2069", "object": "case"}}, "/action"),
    ]  # fmt: skip
    for method, path, args, pointer in attacks:
        send = http.get if method == "GET" else http.post
        resp = await send(f"/api/v1/t/620102/{path}", pref, **args)
        assert error_of(resp) == (422, "policy.name_unsafe"), (path, resp.text)
        error = resp.json()["error"]
        assert error["pointer"] == pointer, path
        assert not any(c in error["message"] for c in "\u202e\u200b\u2066\u200e\u2069"), path
    # The refused grants are on record, with what was sent made visible.
    rows = admin_sql.execute(
        "SELECT detail->>'role', detail->>'login', detail->>'error' FROM audit_log"
        " WHERE action = 'role.grant' AND outcome = 'denied' AND detail->>'login' LIKE %s"
        " ORDER BY seq",
        (f"target.{cleanup}%",),
    ).fetchall()
    assert rows == [
        ("window_clerk\\u202e", target, "policy.name_unsafe"),
        ("window_clerk", target + "\\u200b", "policy.name_unsafe"),
    ]
    # Nothing was granted.
    listed = await http.get("/api/v1/t/620102/roles", pref, params={"login": target})
    assert listed.status_code == 200 and listed.json() == []


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [("login", "admin\x00", "/login"), ("role", "county_operator\x00", "/role")],
)
async def test_a_nul_through_the_command_line_door_is_a_422_not_a_database_error(
    http: Http, cleanup: str, field: str, value: str, pointer: str
) -> None:
    """The edge refuses NUL in JSON; `PolicyAdmin` holds without it (the CLI calls it)."""
    target = f"nul.{cleanup}"
    await create_staff(http.services, target, "620102")
    change = {"login": target, "role": "county_operator", field: value}
    with pytest.raises(InvalidInput) as refused:
        await http.services.admin(
            "grant", tenant_code="620102", subtree=False, granter=None, **change
        )
    assert refused.value.code == "policy.name_unsafe"
    assert refused.value.pointer == pointer
    assert refused.value.params["char"] == "U+0000"
