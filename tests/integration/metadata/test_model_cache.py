"""Effective models across workers: versioned Redis keys, pub/sub, and polling without it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.metadata.versions.model_cache import CHANNEL, ModelCache
from yiwang.platform.cache import Cache, cache_key
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.tenants.tree import TenantTree

from .conftest import metadata_unit
from .test_versions import COUNTY, SHORTER


async def _promised(
    sessions: async_sessionmaker[AsyncSession], tree: TenantTree, models: ModelCache
) -> int:
    async with metadata_unit(sessions, tree, models, COUNTY) as service:
        food = await service.document(COUNTY, "food_business_license")
        return int(food["routes"]["licensing"]["promised_days"])


async def _publish(
    sessions: async_sessionmaker[AsyncSession], tree: TenantTree, models: ModelCache
) -> int:
    async with metadata_unit(sessions, tree, models, COUNTY) as service:
        result = await service.publish(COUNTY, content=SHORTER)
    return result.generation  # announced after commit


async def _until_generation(models: ModelCache, generation: int, within: float = 1.0) -> None:
    """Poll a plain attribute: the listener sets it from its own task."""
    async with asyncio.timeout(within):
        while models.generation < generation:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@dataclass
class Workers:
    """Two workers' model caches on one Redis: one publishes, one only listens."""

    publisher: ModelCache
    listener: ModelCache
    publisher_cache: Cache
    listener_cache: Cache


@pytest.fixture
async def workers(migrated: Settings) -> AsyncIterator[Workers]:
    publisher_cache, listener_cache = Cache(migrated.redis_url), Cache(migrated.redis_url)
    # the listener polls only every minute: only the broadcast can tell it in time
    listener = ModelCache(listener_cache, poll_seconds=60.0)
    await listener.start()
    try:
        yield Workers(
            ModelCache(publisher_cache, poll_seconds=0.0), listener, publisher_cache, listener_cache
        )
    finally:
        await listener.stop()
        await publisher_cache.close()
        await listener_cache.close()


async def test_a_publish_reaches_another_worker_through_redis(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    restore: None,
    workers: Workers,
) -> None:
    listener = workers.listener
    assert await _promised(sessions, installed, listener) == 10
    chain_key = cache_key("metadata", "chain", listener.generation, COUNTY)
    cached = await workers.listener_cache.get(chain_key)
    assert cached is not None
    assert [link["tenant"] for link in json.loads(cached)] == ["620000", "620100"]
    await asyncio.sleep(0.1)  # the listener has subscribed
    generation = await _publish(sessions, installed, workers.publisher)
    await _until_generation(listener, generation)
    assert await _promised(sessions, installed, listener) == 8


async def test_a_late_announcement_of_an_older_generation_is_ignored(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    restore: None,
    workers: Workers,
) -> None:
    """Two publishers announce after their commits, so the older one's message can come
    second (and a poll's read can start before a commit it returns after). Taken as
    current, it sent the worker back to that generation's kept chains: the model before
    the publish, served until the next poll."""
    listener = workers.listener
    assert await _promised(sessions, installed, listener) == 10
    before = listener.generation  # its chains are kept in Redis under this generation
    await asyncio.sleep(0.1)  # the listener has subscribed
    generation = await _publish(sessions, installed, workers.publisher)
    await _until_generation(listener, generation)
    assert await _promised(sessions, installed, listener) == 8
    await workers.publisher_cache.publish(CHANNEL, str(before))
    await asyncio.sleep(0.2)  # the late message has been delivered
    assert listener.generation == generation
    assert await _promised(sessions, installed, listener) == 8


async def test_without_redis_a_worker_notices_at_its_next_poll(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    restore: None,
) -> None:
    publisher_cache = Cache(migrated.redis_url)
    publisher = ModelCache(publisher_cache, poll_seconds=0.0)
    # long enough that a loaded machine still answers twice inside one interval
    lonely = ModelCache(None, poll_seconds=3.0)
    try:
        assert await _promised(sessions, installed, lonely) == 10
        await _publish(sessions, installed, publisher)
        assert await _promised(sessions, installed, lonely) == 10, "within the poll interval"
        await asyncio.sleep(3.05)
        assert await _promised(sessions, installed, lonely) == 8
    finally:
        await publisher_cache.close()


async def test_warm_resolution_touches_nothing_but_memory(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
) -> None:
    cache = Cache(migrated.redis_url)
    models = ModelCache(cache, poll_seconds=60.0)
    try:
        async with sessions() as session, session.begin():
            await apply_scope(session, TenantScope.single(installed.node("620102").id))
            first = await models.effective(session, installed, "620102")
        await cache.close()  # Redis and the database are no longer needed
        async with sessions() as session:
            again = await models.effective(session, installed, "620102")
        assert again is first
    finally:
        await cache.close()
