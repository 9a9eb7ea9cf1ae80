"""Error pages in the site's layout when a browser asks for HTML; the JSON error otherwise.

401, 403 and 500 come from routes added for the test (the app's own handlers answer
them): what is under test is how any refusal is drawn, wherever it was raised."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from litestar import Litestar, get
from litestar.exceptions import NotAuthorizedException
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.app import ROUTES, create_app
from yiwang.platform.cache import Cache
from yiwang.platform.errors import PermissionDenied
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.tenants.directory import announce
from yiwang.tenants.lifecycle import Lifecycle

Client = AsyncTestClient[Litestar]
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"accept": "application/json"}
SUSPENDED = "620121"  # 永登县: suspended and resumed here only


@get("/r/{code:str}/test-signed-in", opt={"public": True}, include_in_schema=False)
async def needs_sign_in(code: str) -> str:
    raise NotAuthorizedException()


@get("/r/{code:str}/test-forbidden", opt={"public": True}, include_in_schema=False)
async def forbidden(code: str) -> str:
    raise PermissionDenied("auth.forbidden")


@get("/r/{code:str}/test-broken", opt={"public": True}, include_in_schema=False)
async def broken(code: str) -> str:
    raise RuntimeError("secret detail /etc/passwd line 42")


@pytest.fixture
async def client(migrated: Settings, gansu: dict[str, int]) -> AsyncIterator[Client]:
    app = create_app(replace(migrated), routes=(*ROUTES, needs_sign_in, forbidden, broken))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as made:
        yield made


def _in_layout(html: str) -> None:
    assert 'lang="zh-CN"' in html
    for tag in ("<header", "<main", "<footer", 'class="skip-link"'):
        assert tag in html, tag
    assert "甘肃省政务服务网" in html


async def test_unknown_region_is_a_404_page_or_json(client: Client) -> None:
    page = await client.get("/r/999999/", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    _in_layout(page.text)
    assert '<h1 id="error-title">页面不存在</h1>' in page.text
    assert "未找到该地区站点" in page.text
    answer = await client.get("/r/999999/", headers=JSON)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "tenant.not_found"
    by_slug = await client.get("/", headers={**HTML, "host": "nowhere.yiwang.localhost"})
    assert by_slug.status_code == 404 and "页面不存在" in by_slug.text


async def test_an_unknown_page_of_a_region_keeps_the_region(client: Client) -> None:
    page = await client.get("/r/620102/no-such-page", headers=HTML)
    assert page.status_code == 404
    _in_layout(page.text)
    assert '<span class="region-name">城关区</span>' in page.text
    assert 'href="/r/620102/">返回城关区首页' in page.text


async def test_expired_session_offers_sign_in(client: Client) -> None:
    page = await client.get("/r/620102/test-signed-in", headers=HTML)
    assert page.status_code == 401
    _in_layout(page.text)
    assert "需要登录" in page.text
    assert 'href="/r/620102/signin?next=/r/620102/test-signed-in"' in page.text
    answer = await client.get("/r/620102/test-signed-in", headers=JSON)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "auth.required"


async def test_forbidden_page(client: Client) -> None:
    page = await client.get("/r/620102/test-forbidden", headers=HTML)
    assert page.status_code == 403
    _in_layout(page.text)
    assert "无权访问" in page.text and "您没有执行此操作的权限" in page.text
    answer = await client.get("/r/620102/test-forbidden", headers=JSON)
    assert answer.json()["error"]["code"] == "auth.forbidden"


async def test_server_error_shows_a_request_number_never_a_traceback(client: Client) -> None:
    page = await client.get("/r/620102/test-broken", headers=HTML)
    assert page.status_code == 500
    _in_layout(page.text)
    assert "系统内部错误" in page.text and "请求编号" in page.text
    for leak in ("Traceback", "RuntimeError", "secret detail", "passwd", ".py"):
        assert leak not in page.text, leak
    answer = await client.get("/r/620102/test-broken", headers=JSON)
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal"
    assert "secret" not in answer.text


async def _status_within(client: Client, path: str, status: int) -> int:
    deadline = time.monotonic() + 5
    while True:
        got = (await client.get(path, headers=HTML)).status_code
        if got == status or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.05)


async def test_suspended_region_page(
    client: Client, migrated: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cache = Cache(migrated.redis_url)

    async def tell(version: int) -> None:
        await announce(cache, version)

    try:
        async with unit_of_work(sessions, actor="test") as uow:
            await Lifecycle(uow, tell).change(SUSPENDED, "suspend")
        try:
            assert await _status_within(client, f"/r/{SUSPENDED}/", 503) == 503
            page = await client.get(f"/r/{SUSPENDED}/services", headers=HTML)
            assert page.status_code == 503
            _in_layout(page.text)
            assert "站点暂停服务" in page.text and "永登县站点暂停服务" in page.text
            assert f'href="/r/{SUSPENDED}/"' not in page.text  # no way into the closed region
            answer = await client.get(f"/r/{SUSPENDED}/", headers=JSON)
            assert answer.json()["error"]["code"] == "tenant.suspended"
        finally:
            async with unit_of_work(sessions, actor="test") as uow:
                await Lifecycle(uow, tell).change(SUSPENDED, "resume")
        assert await _status_within(client, f"/r/{SUSPENDED}/", 200) == 200
    finally:
        await cache.close()
