"""The guard reads a session and its account's version in one Redis round trip
(`SessionStore.get_with_version`, a script on the platform cache), against real Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.policy.identity.account_versions import AccountVersions
from yiwang.policy.identity.sessions import SessionStore


@pytest.fixture
async def cache(migrated: Settings) -> AsyncIterator[Cache]:
    found = Cache(migrated.redis_url)
    yield found
    await found.close()


async def test_the_session_comes_with_its_accounts_version(
    cache: Cache, sessions: async_sessionmaker[AsyncSession]
) -> None:
    prefix = f"test:account-version:{secrets.token_hex(4)}:"
    versions = AccountVersions(cache.strict_client, sessions, prefix=prefix)
    store = SessionStore(cache)
    account_id = 9_000_000_000 + secrets.randbelow(10**6)  # large: no float formatting
    token, _ = await store.create(account_id, "staff", admin=False, version=3)
    try:
        session, version = await store.get_with_version(token, versions.prefix)
        assert session is not None and session.account_id == account_id
        assert version is None  # not in Redis yet: the guard asks `AccountVersions`
        await versions.publish(account_id, 4)
        session, version = await store.get_with_version(token, versions.prefix)
        assert session is not None and version == 4
        assert await versions.current_unless_read(account_id, version) == 4
        assert versions.database_reads == 0
        await store.delete(token)
        assert await store.get_with_version(token, versions.prefix) == (None, None)
    finally:
        await cache.client.delete(f"{prefix}{account_id}")


async def test_with_redis_down_the_session_comes_from_the_local_fallback(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cache = Cache("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        store = SessionStore(cache)
        token, _ = await store.create(7, "staff", admin=False, version=1)
        session, version = await store.get_with_version(token, "test:account-version:")
        assert session is not None and session.account_id == 7
        assert version is None
    finally:
        await cache.close()
