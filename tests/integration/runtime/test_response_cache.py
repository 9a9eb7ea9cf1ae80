"""A cached response is never served to another person or another tenant.

No handler caches today; this probe does (`cache=60`), through the app's own key
builder, and each answer carries a counter, so a shared cache entry would show."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar import get

from tests.integration.runtime.conftest import CHENGGUAN, QILIHE, Citizen, running_app
from yiwang.app import ROUTES
from yiwang.platform.settings import Settings
from yiwang.policy.guards import Access

pytestmark = pytest.mark.usefixtures("installed")

_counter = itertools.count()


@get(
    "/api/v1/t/{code:str}/cache-probe",
    opt={"object": "attachment", "action": "read"},
    cache=60,
)
async def guarded_probe(access: Access) -> dict[str, Any]:
    return {
        "n": next(_counter),
        "account": access.principal.account_id,
        "tenant": access.tenant.code,
    }


@get("/api/v1/cache-probe", opt={"public": True}, cache=60)
async def public_probe() -> dict[str, Any]:
    return {"n": next(_counter)}


async def test_two_people_and_two_tenants_never_share_a_cached_answer(
    migrated: Settings, citizens: Callable[[], Awaitable[Citizen]]
) -> None:
    first, second = await citizens(), await citizens()
    async with running_app(migrated, routes=(*ROUTES, guarded_probe, public_probe)) as app:

        async def ask(path: str, who: Citizen | None) -> dict[str, Any]:
            resp = await app.client.get(path, headers=who.headers if who else {})
            assert resp.status_code == 200, resp.text
            found: dict[str, Any] = resp.json()
            return found

        here = f"/api/v1/t/{CHENGGUAN}/cache-probe"
        there = f"/api/v1/t/{QILIHE}/cache-probe"
        a1, a2 = await ask(here, first), await ask(here, first)
        b1 = await ask(here, second)
        c1 = await ask(there, first)
        anonymous1, anonymous2 = (
            await ask("/api/v1/cache-probe", None),
            await ask("/api/v1/cache-probe", None),
        )
        signed_in = await ask("/api/v1/cache-probe", first)
    # The cache works (the same person, tenant and URL get the stored answer) ...
    assert a2 == a1 and anonymous2 == anonymous1
    # ... and keeps people and tenants apart.
    assert (a1["account"], b1["account"]) == (first.account_id, second.account_id)
    assert b1["n"] != a1["n"]
    assert (c1["tenant"], c1["account"]) == (QILIHE, first.account_id) and c1["n"] not in (
        a1["n"],
        b1["n"],
    )
    assert signed_in["n"] != anonymous1["n"]
