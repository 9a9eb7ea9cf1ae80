"""The in-process tenant tree of a worker, kept current across workers.

Resolution must cost a dict lookup, so the tree is loaded whole (a province
has ~100 tenants) and reloaded when the shared version in Redis changes; a
worker that missed a message still notices at its next check.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache, cache_key
from yiwang.tenants.tree import TenantTree

VERSION_KEY = cache_key("tenants", "version")
CHECK_INTERVAL_SECONDS = 1.0


class TenantDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], cache: Cache) -> None:
        self._sessions = sessions
        self._cache = cache
        #: replaced whole on every reload, so a reader holding it sees one version
        self.tree: TenantTree = TenantTree.of(())
        self._version: bytes | None = None
        self._checked_at = 0.0

    async def load(self) -> None:
        async with self._sessions() as session:
            self.tree = await TenantTree.load(session)
        self._version = await self._cache.get(VERSION_KEY)
        self._checked_at = time.monotonic()

    def is_stale(self) -> bool:
        """Cheap check for the hot path: is a version check due?"""
        return time.monotonic() - self._checked_at >= CHECK_INTERVAL_SECONDS

    async def refresh_if_stale(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < CHECK_INTERVAL_SECONDS:
            return
        self._checked_at = now
        version = await self._cache.get(VERSION_KEY)
        if version != self._version:
            await self.load()

    async def changed(self) -> None:
        """Call after a change to the registry: bumps the shared version and reloads."""
        await self._cache.set(VERSION_KEY, str(time.time_ns()))
        await self.load()
