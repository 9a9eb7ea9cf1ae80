"""Published lists are public, and nothing else is: over HTTP, against the real services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.runtime.conftest import CHENGGUAN, Citizen
from yiwang.platform.settings import Settings

Client = AsyncTestClient[Litestar]
PUBLIC = f"/api/v1/t/{CHENGGUAN}/public/records"
PRIVATE = f"/api/v1/t/{CHENGGUAN}/records"


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


async def test_a_published_list_is_read_without_signing_in(client: Client) -> None:
    page = await client.get(f"{PUBLIC}/service_item", params={"limit": "5"})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["view"]["key"] == "public_index"  # the type's `publication.list`
    assert 0 < len(body["items"]) <= 5
    # the base view's columns, and the column Lanzhou's overlay adds to it
    assert set(body["items"][0]["values"]) == {
        "task_name",
        "task_type",
        "dept_name",
        "promise_day",
        "limit_scene_num",
        "is_online",
        "x_lz_hotline_code",
    }
    names = [i["values"]["task_name"] for i in body["items"]]
    assert names == sorted(names)
    named = await client.get(
        "/api/v1/t/620000/public/records/special_fund", params={"view": "public_index"}
    )
    assert named.status_code == 200 and named.json()["items"]
    searched = await client.get(f"{PUBLIC}/service_item", params={"q": "个体工商户"})
    assert searched.status_code == 200
    assert {i["values"]["task_name"] for i in searched.json()["items"]} >= {"个体工商户设立登记"}


@pytest.mark.parametrize(
    ("type_key", "view"),
    [
        ("service_item", "staff_index"),  # a staff view of a published type
        ("application", None),  # a type that is not published
        ("application", "staff_index"),
    ],
)
async def test_nothing_else_is_public(
    client: Client,
    citizens: Callable[[], Awaitable[Citizen]],
    type_key: str,
    view: str | None,
) -> None:
    citizen = await citizens()
    params = {"view": view} if view else {}
    for headers in ({}, citizen.headers):
        refused = await client.get(f"{PUBLIC}/{type_key}", params=params, headers=headers)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "lists.view_not_public"
    # the records route stays what the guard decides: anonymous 401, citizens 403
    anonymous = await client.get(f"{PRIVATE}/{type_key}", params=params)
    assert anonymous.status_code == 401
    signed = await client.get(f"{PRIVATE}/{type_key}", params=params, headers=citizen.headers)
    assert signed.status_code == 403


async def test_the_public_route_never_reveals_personal_data(client: Client) -> None:
    full = await client.get(f"{PUBLIC}/service_item", params={"personal": "full"})
    assert full.status_code == 403
    assert full.json()["error"]["code"] == "records.pii_forbidden"
    unknown = await client.get("/api/v1/t/999999/public/records/service_item")
    assert unknown.status_code == 404
