"""Hostile metadata uploads over HTTP against the real app (issue 8, findings 4 and 9):
each is refused with a 4xx and a catalogue code, fast, and changes nothing."""

from __future__ import annotations

import asyncio
import time

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.settings import Settings
from yiwang.tenants.tree import TenantTree

from .test_versions import COUNTY

DRAFT = f'tenant: "{COUNTY}"\nlabel: 七里河区扩展\n'


def alias_bomb(levels: int = 9) -> str:
    """The review's payload: each level repeats the one before nine times."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
async def operator(services: Stack, cleanup: str, installed: TenantTree) -> tuple[str, str]:
    login = f"yaml.{cleanup}"
    secret = await make_staff(services, login, COUNTY, [("county_operator", COUNTY, False)])
    return login, secret


async def _put(
    client: AsyncTestClient[Litestar], auth: dict[str, str], body: str, kind: str = "yaml"
) -> tuple[int, dict[str, str], float]:
    started = time.perf_counter()
    resp = await client.put(
        f"/api/v1/t/{COUNTY}/metadata/draft",
        content=body.encode(),
        headers={**auth, "content-type": f"application/{kind}"},
    )
    elapsed = time.perf_counter() - started
    return resp.status_code, resp.json().get("error", {}), elapsed


async def test_the_alias_bomb_is_refused_at_once_and_stalls_nothing(
    migrated: Settings, operator: tuple[str, str], restore: None
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *operator)
        bomb = client.put(
            f"/api/v1/t/{COUNTY}/metadata/draft",
            content=alias_bomb().encode(),
            headers={**auth, "content-type": "application/yaml"},
        )
        started = time.perf_counter()
        resp, health = await asyncio.gather(bomb, client.get("/healthz"))
        both = time.perf_counter() - started
        draft = await client.get(f"/api/v1/t/{COUNTY}/metadata/draft", headers=auth)
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert (error["code"], error["pointer"]) == ("metadata.syntax.yaml_alias", "/a")
    assert health.status_code == 200
    assert both < 2.0, both  # the review saw 10 s for the bomb and 3.7 s for /healthz
    assert draft.status_code == 404  # nothing was saved


@pytest.mark.parametrize(
    ("body", "code", "pointer"),
    [
        (DRAFT + "documents: !!binary aGVsbG8=\n", "metadata.syntax.yaml_tag", "/documents"),
        (DRAFT + "documents: !!set {a, b}\n", "metadata.syntax.yaml_tag", "/documents"),
        (DRAFT + "x: !!python/object/apply:os.system [id]\n", "metadata.syntax.yaml_tag", "/x"),
        (DRAFT + "x: !!timestamp 2026-01-01\n", "metadata.syntax.yaml_tag", "/x"),
        (DRAFT + "x: .nan\n", "metadata.syntax.not_finite", "/x"),
        (DRAFT + 'x: "a\\0b"\n', "metadata.syntax.control_character", "/x"),
        (
            DRAFT
            + "x:\n"
            + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(70))
            + "  " * 40
            + "v\n",
            "metadata.syntax.too_deep",
            None,
        ),
    ],
)
async def test_yaml_beyond_json_is_a_422_not_a_500(
    migrated: Settings,
    operator: tuple[str, str],
    restore: None,
    body: str,
    code: str,
    pointer: str | None,
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *operator)
        status, error, _ = await _put(client, auth, body)
    assert status == 422, error
    assert error["code"] == code
    if pointer is not None:
        assert error["pointer"] == pointer


async def test_size_and_media_type_are_bounded(
    migrated: Settings, operator: tuple[str, str], restore: None
) -> None:
    async with client_for(migrated) as client:
        auth = await sign_in(client, *operator)
        big = DRAFT + "x: '" + "a" * (1 << 18) + "'\n"
        status, error, _ = await _put(client, auth, big)
        assert (status, error["code"]) == (422, "metadata.syntax.too_large")
        status, error, _ = await _put(client, auth, DRAFT, kind="x-www-form-urlencoded")
        assert (status, error["code"]) == (415, "edge.media_type")
        ok = await client.put(
            f"/api/v1/t/{COUNTY}/metadata/draft",
            content=DRAFT.encode(),
            headers={**auth, "content-type": "application/yaml"},
        )
    assert ok.status_code == 200, ok.text
