"""经办人: an enterprise names a real-name-verified citizen, who then acts for it; what they
do is the enterprise's and names them both; a revocation, or the end of the agent's own
sessions, ends the acting at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.policy.test_realname import id_number
from tests.integration.runtime.cases.conftest import purge_cases
from tests.integration.runtime.conftest import Citizen
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from tests.integration.security.people import phone_for
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD
from yiwang.platform.settings import Settings
from yiwang.policy.identity.codes import credit_code_check_char

Client = AsyncTestClient[Litestar]
CODE = "620102"


def credit_code(tag: str) -> str:
    first17 = "91620102MA" + str(int(tag, 16) % 10**7).zfill(7)
    return first17 + credit_code_check_char(first17)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


@pytest.fixture
async def enterprise(
    client: Client, services: Stack, tag: str, admin_sql: psycopg.Connection
) -> AsyncIterator[tuple[int, str]]:
    """An activated enterprise account signed in by its password: (account id, token)."""
    login = credit_code(tag)
    created = await services.account_admin(
        "create",
        login=login,
        kind="legal",
        tenant_code=None,
        department=None,
        display_name=f"兰州测试食品有限公司{tag[:4]}",
        actor=None,
    )
    activated = await client.post(
        "/api/v1/auth/activation",
        json={"login": login, "code": created["activation_code"], "password": PASSWORD},
    )
    assert activated.status_code == 200, activated.text
    yield created["id"], activated.json()["token"]
    purge_cases(admin_sql, f"account:{created['id']}")
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = %s", (created["id"],))
    admin_sql.execute("DELETE FROM accounts WHERE id = %s", (created["id"],))


async def _verified(client: Client, person: Citizen, tag: str) -> None:
    done = await client.post(
        "/api/v1/me/realname",
        headers=person.headers,
        json={"full_name": "王经办", "id_number": id_number(tag)},
    )
    assert done.status_code == 200 and done.json()["verified"] is True, done.text


async def test_a_named_agent_applies_for_the_enterprise_and_a_revocation_ends_it(
    client: Client,
    enterprise: tuple[int, str],
    citizens: Callable[..., Awaitable[Citizen]],
    samples: dict[str, Any],
    admin_sql: psycopg.Connection,
    tag: str,
) -> None:
    legal_id, legal_token = enterprise
    phone = phone_for(tag, 5)
    agent, stranger = await citizens(phone), await citizens()

    unverified = await client.post(
        "/api/v1/me/agents", headers=bearer(legal_token), json={"phone": phone}
    )
    assert unverified.status_code == 409
    assert unverified.json()["error"]["code"] == "identity.agents.not_verified"
    unknown = await client.post(
        "/api/v1/me/agents", headers=bearer(legal_token), json={"phone": phone_for(tag, 6)}
    )
    assert (unknown.status_code, unknown.json()["error"]["pointer"]) == (404, "/phone")
    await _verified(client, agent, tag)
    named = await client.post(
        "/api/v1/me/agents", headers=bearer(legal_token), json={"phone": phone}
    )
    assert named.status_code == 201, named.text
    listed = (await client.get("/api/v1/me/agents", headers=bearer(legal_token))).json()
    assert (listed["id"], [a["id"] for a in listed["agents"]]) == (legal_id, [agent.account_id])
    # a citizen names nobody; only the enterprise's own session may
    refused = await client.post("/api/v1/me/agents", headers=agent.headers, json={"phone": phone})
    assert refused.json()["error"]["code"] == "identity.agents.enterprise_only"

    mine = (await client.get("/api/v1/me/enterprises", headers=agent.headers)).json()
    assert [e["id"] for e in mine["enterprises"]] == [legal_id]
    assert (await client.get("/api/v1/me/enterprises", headers=stranger.headers)).json()[
        "enterprises"
    ] == []
    not_named = await client.post(
        f"/api/v1/me/enterprises/{legal_id}/act", headers=stranger.headers
    )
    assert (not_named.status_code, not_named.json()["error"]["code"]) == (
        404,
        "identity.agents.not_named",
    )
    acting = await client.post(f"/api/v1/me/enterprises/{legal_id}/act", headers=agent.headers)
    assert acting.status_code == 200, acting.text
    delegated = bearer(acting.json()["token"])
    assert (acting.json()["kind"], acting.json()["agent_id"]) == ("legal", agent.account_id)
    assert (await client.get("/api/v1/me", headers=delegated)).json()["id"] == legal_id
    # acting, the agent may not name agents
    again = await client.post("/api/v1/me/agents", headers=delegated, json={"phone": phone})
    assert again.json()["error"]["code"] == "identity.agents.enterprise_only"

    # the application is the enterprise's, and its audit record names the agent too
    item = samples["individual_business"]
    made = await client.post(
        f"/api/v1/t/{CODE}/services/{item}/applications",
        headers={**delegated, "idempotency-key": f"agent-{tag}"},
        json={"data": APPLICANT, "form": BUSINESS},
    )
    assert made.status_code == 201, made.text
    number = made.json()["case"]["number"]
    row = admin_sql.execute("SELECT submitter FROM cases WHERE number = %s", (number,)).fetchone()
    assert row == (f"account:{legal_id}",)
    actors = {
        r[0]
        for r in admin_sql.execute(
            "SELECT actor FROM audit_log WHERE object_id = %s AND action LIKE 'case.%%'",
            (number,),
        ).fetchall()
    }
    masked = phone[:3] + "****" + phone[-4:]
    assert actors and all(credit_code(tag) in a and masked in a and "经办人" in a for a in actors)

    revoked = await client.delete(
        f"/api/v1/me/agents/{agent.account_id}", headers=bearer(legal_token)
    )
    assert revoked.status_code == 200, revoked.text
    fresh = bearer(revoked.json()["token"])
    gone = await client.get("/api/v1/me", headers=delegated)
    assert (gone.status_code, gone.json()["error"]["code"]) == (401, "identity.session_ended")
    # the revoking session was replaced by the fresh one: the old token is no session at all
    old = await client.get("/api/v1/me", headers=bearer(legal_token))
    assert (old.status_code, old.json()["error"]["code"]) == (401, "auth.required")
    assert (await client.get("/api/v1/me/agents", headers=fresh)).json()["agents"] == []
    after = await client.post(f"/api/v1/me/enterprises/{legal_id}/act", headers=agent.headers)
    assert after.status_code == 404
    logged = {
        r[0]
        for r in admin_sql.execute(
            "SELECT action FROM audit_log WHERE object_type = 'account' AND object_id = %s",
            (str(legal_id),),
        ).fetchall()
    }
    assert {"identity.agent_granted", "identity.acting_for", "identity.agent_revoked"} <= logged


async def test_ending_the_agents_own_sessions_ends_their_acting(
    client: Client,
    enterprise: tuple[int, str],
    citizens: Callable[..., Awaitable[Citizen]],
    services: Stack,
    tag: str,
) -> None:
    legal_id, legal_token = enterprise
    phone = phone_for(tag, 7)
    agent = await citizens(phone)
    await _verified(client, agent, tag)
    named = await client.post(
        "/api/v1/me/agents", headers=bearer(legal_token), json={"phone": phone}
    )
    assert named.status_code == 201, named.text
    acting = await client.post(f"/api/v1/me/enterprises/{legal_id}/act", headers=agent.headers)
    delegated = bearer(acting.json()["token"])
    assert (await client.get("/api/v1/me", headers=delegated)).status_code == 200
    await services.account_admin("end_sessions", login=phone, actor=None)
    gone = await client.get("/api/v1/me", headers=delegated)
    assert (gone.status_code, gone.json()["error"]["code"]) == (401, "identity.session_ended")
    # the enterprise's own session is untouched
    assert (await client.get("/api/v1/me/agents", headers=bearer(legal_token))).status_code == 200
