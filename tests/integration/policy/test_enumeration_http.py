"""Issue 8, findings 13 and 14 over HTTP: what a county administrator can learn of accounts
elsewhere (nothing: "not visible" and "does not exist" answer alike), and whom they can
strip of a role (nobody of their own rank)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.integration.http_app import Http, error_of
from tests.integration.staff import create_staff


def without(body: Any, login: str) -> Any:
    """The answer with the login it echoes blanked, to compare two answers."""
    return {"error": {**body["error"], "message": body["error"]["message"].replace(login, "")}}


async def test_accounts_outside_the_callers_reach_answer_like_unknown_logins(
    http: Http, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    county, _ = await http.staff(f"cop.{cleanup}", "620102", [("county_operator", "620102", False)])
    elsewhere = f"far.{cleanup}"
    await http.staff(elsewhere, "620201", [("county_operator", "620201", False)])
    phone = "137" + str(int(cleanup, 16) % 10**8).zfill(8)
    citizen = await http.services.account_admin(
        "create",
        login=phone,
        kind="citizen",
        tenant_code=None,
        department=None,
        display_name=None,
        actor=None,
    )
    ghost, ghost_phone = f"ghost.{cleanup}", "136" + phone[3:]
    probes = [
        ("GET", "/api/v1/t/620102/roles", lambda login: {"params": {"login": login}}),
        (
            "GET",
            "/api/v1/t/620102/policy/explain",
            lambda login: {"params": {"login": login, "action": "read", "object": "case"}},
        ),
        (
            "POST",
            "/api/v1/t/620102/roles/grants",
            lambda login: {"json": {"login": login, "role": "window_clerk"}},
        ),
        (
            "POST",
            "/api/v1/t/620102/roles/revocations",
            lambda login: {"json": {"login": login, "role": "county_operator"}},
        ),
        ("POST", "/api/v1/t/620102/users/disable", lambda login: {"json": {"login": login}}),
        ("POST", "/api/v1/t/620102/users/resets", lambda login: {"json": {"login": login}}),
    ]
    for method, path, args in probes:
        send = http.get if method == "GET" else http.post
        for real, unknown in ((elsewhere, ghost), (phone, ghost_phone)):
            seen = await send(path, county, **args(real))
            unseen = await send(path, county, **args(unknown))
            assert error_of(seen) == (404, "identity.account_not_found"), (path, real)
            assert without(seen.json(), real) == without(unseen.json(), unknown), path
    # Within reach, the same routes answer.
    local = f"near.{cleanup}"
    await create_staff(http.services, local, "620102")
    near = await http.get("/api/v1/t/620102/roles", county, params={"login": local})
    assert near.status_code == 200 and near.json() == []
    listed = await http.get("/api/v1/t/620102/roles", county)
    assert {r["login"] for r in listed.json()} >= {f"cop.{cleanup}"}
    assert elsewhere not in {r["login"] for r in listed.json()}
    admin_sql.execute("DELETE FROM accounts WHERE id = %s", (citizen["id"],))


async def test_a_county_operator_cannot_revoke_or_extend_a_peer(http: Http, cleanup: str) -> None:
    one, _ = await http.staff(f"one.{cleanup}", "620102", [("county_operator", "620102", False)])
    peer = f"peer.{cleanup}"
    peer_auth, _ = await http.staff(peer, "620102", [("county_operator", "620102", False)])
    pref, _ = await http.staff(
        f"pref.{cleanup}", "620100", [("prefecture_operator", "620100", True)]
    )
    revoke = {"login": peer, "role": "county_operator"}
    refused = await http.post("/api/v1/t/620102/roles/revocations", one, json=revoke)
    assert error_of(refused) == (403, "policy.grantee_outranks")
    extended = await http.post(
        "/api/v1/t/620102/roles/grants", one, json={"login": peer, "role": "dept_leader"}
    )
    assert error_of(extended) == (403, "policy.grantee_outranks")
    # The peer still works; the prefecture above both may revoke.
    assert (await http.get("/api/v1/t/620102/roles", peer_auth)).status_code == 200
    done = await http.post("/api/v1/t/620102/roles/revocations", pref, json=revoke)
    assert done.status_code == 200 and done.json()["revoked"] == 1
