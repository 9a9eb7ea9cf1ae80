"""Subsite resolution over HTTP: by path, by slug host, by configured host, and bad input."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.http_client import client_for
from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.tenants.directory import announce
from yiwang.tenants.lifecycle import Lifecycle


async def test_path_shows_chengguan_in_chinese(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        resp = await client.get("/r/620102/")
    assert resp.status_code == 200
    assert 'lang="zh-CN"' in resp.text
    assert "城关区政务服务网" in resp.text
    assert "兰州市" in resp.text  # breadcrumb to the prefecture
    assert "城关区市场监督管理局" in resp.text


async def test_same_page_through_host_mapping(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        by_path = await client.get("/r/620102/")
        by_slug = await client.get("/", headers={"host": "chengguan.yiwang.localhost:8000"})
        by_host = await client.get("/", headers={"host": "zwfw.gansu.yiwang.localhost"})
    assert by_slug.status_code == 200
    assert by_slug.text == by_path.text
    assert 'data-tenant="620000"' in by_host.text


async def test_platform_home_lists_regions(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        resp = await client.get("/")
    assert resp.status_code == 200
    assert "甘肃省" in resp.text and "/r/620100/" in resp.text


@pytest.mark.parametrize("path", ["/r/999999/", "/r/abc/", "/r/6201020/", "/r/%00/"])
async def test_unknown_tenant_gets_chinese_404(
    migrated: Settings, gansu: dict[str, int], path: str
) -> None:
    async with client_for(migrated) as client:
        resp = await client.get(path)
    assert resp.status_code == 404
    assert "未找到该地区站点" in resp.text


async def test_unknown_slug_host_gets_404(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        resp = await client.get("/", headers={"host": "nowhere.yiwang.localhost"})
    assert resp.status_code == 404
    assert "未找到该地区站点" in resp.text


@pytest.mark.parametrize(
    "host",
    [
        "bad host",
        "a" * 300,
        "ex..ample.com",
        "-lead.example.com",
        "exa_mple.com",
        "x:99999999",
        "[zz",
    ],
)
async def test_garbage_host_is_400_never_500(
    migrated: Settings, gansu: dict[str, int], host: str
) -> None:
    async with client_for(migrated) as client:
        resp = await client.get("/r/620102/", headers={"host": host})
    assert resp.status_code == 400
    assert "主机名不合法" in resp.text


async def _status_within(client: Any, path: str, status: int, within: float = 1.0) -> int:
    """The status of `path` once it is `status`, or the last one seen after `within` seconds."""
    deadline = time.monotonic() + within
    seen = (await client.get(path)).status_code
    while seen != status and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        seen = (await client.get(path)).status_code
    return seen


async def test_a_suspension_by_another_process_reaches_the_server(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    """The change is made outside the app (as the command line would) and announced on
    Redis; the app's directory reloads on the message. How fast is the benchmark's
    question (`bench/policy_propagation.py`); a busy CI machine once took over a second."""
    cache = Cache(migrated.redis_url)

    async def tell(version: int) -> None:
        await announce(cache, version)

    try:
        async with client_for(migrated) as client:
            assert (await client.get("/r/620105/")).status_code == 200
            async with unit_of_work(sessions, actor="test") as uow:
                await Lifecycle(uow, tell).change("620105", "suspend")
            try:
                assert await _status_within(client, "/r/620105/", 503, within=5.0) == 503
                resp = await client.get("/r/620105/")
                assert "安宁区站点暂停服务" in resp.text
                by_host = await client.get("/", headers={"host": "anning.yiwang.localhost"})
                assert by_host.status_code == 503
            finally:
                async with unit_of_work(sessions, actor="test") as uow:
                    await Lifecycle(uow, tell).change("620105", "resume")
            assert await _status_within(client, "/r/620105/", 200, within=5.0) == 200
    finally:
        await cache.close()


async def test_health_and_readiness(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "redis": True, "storage": True}


async def test_serves_when_redis_is_down(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated, redis_url="redis://127.0.0.1:1/0") as client:
        page = await client.get("/r/620102/")
        ready = await client.get("/readyz")
    assert page.status_code == 200 and "城关区" in page.text
    assert ready.status_code == 200
    assert ready.json()["checks"]["redis"] is False


async def test_api_lists_tenants_and_departments(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        tenants = (await client.get("/api/v1/tenants")).json()
        deps = (await client.get("/api/v1/t/620102/departments")).json()
        missing = await client.get("/api/v1/t/000000/departments")
        cal = (await client.get("/api/v1/t/620102/calendar/2026")).json()
    assert len([t for t in tenants if t["code"].startswith("62")]) == 103
    assert {"key": "scjgj", "name": "市场监督管理局"} in deps
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "tenant.not_found"
    assert {"day": "2026-10-10", "kind": "workday", "name": "国庆节调休上班"} in cal


async def test_the_subsite_home_is_revalidated_by_the_registry_version(
    migrated: Settings, gansu: dict[str, int]
) -> None:
    async with client_for(migrated) as client:
        first = await client.get("/r/620102/")
        etag = first.headers["etag"]
        assert "城关区" in first.text
        again = await client.get("/r/620102/", headers={"if-none-match": etag})
        assert (again.status_code, again.content) == (304, b"")
        other = await client.get("/r/620103/", headers={"if-none-match": etag})
        assert other.status_code == 200 and other.headers["etag"] != etag


async def test_the_tenant_list_is_encoded_once_per_version_and_revalidated(
    migrated: Settings, gansu: dict[str, int]
) -> None:
    async with client_for(migrated) as client:
        first = await client.get("/api/v1/tenants")
        assert first.status_code == 200 and len(first.json()) >= 103
        etag = first.headers["etag"]
        again = await client.get("/api/v1/tenants", headers={"if-none-match": etag})
        assert (again.status_code, again.content) == (304, b"")
        assert first.json()[0]["code"] == "620000"
