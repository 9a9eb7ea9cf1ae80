"""An in-process directory of tenants for subsite resolution on the hot path.

Resolution must cost a dict lookup, so the directory is loaded whole (a province
has ~100 tenants) and reloaded when the shared version in Redis changes; a
worker that missed a message still notices at its next check.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache, cache_key
from yiwang.tenants.models import Tenant
from yiwang.tenants.repository import TenantRepository

VERSION_KEY = cache_key("tenants", "version")
CHECK_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class TenantInfo:
    id: int
    code: str
    name: str
    level: str
    status: str
    slug: str
    path: str
    parent_code: str | None

    @property
    def path_ids(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))


class TenantDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], cache: Cache) -> None:
        self._sessions = sessions
        self._cache = cache
        self.by_code: dict[str, TenantInfo] = {}
        self.by_slug: dict[str, TenantInfo] = {}
        self.by_host: dict[str, TenantInfo] = {}
        self.children: dict[str, list[TenantInfo]] = {}
        self._version: bytes | None = None
        self._checked_at = 0.0

    async def load(self) -> None:
        async with self._sessions() as session:
            tenants = await TenantRepository(session).all()
        self._fill(tenants)
        self._version = await self._cache.get(VERSION_KEY)
        self._checked_at = time.monotonic()

    def _fill(self, tenants: Sequence[Tenant]) -> None:
        rows = list(tenants)
        by_id = {t.id: t for t in rows}
        infos = [
            TenantInfo(
                t.id,
                t.code,
                t.name,
                t.level,
                t.status,
                t.slug,
                t.path,
                by_id[t.parent_id].code if t.parent_id in by_id else None,
            )
            for t in rows
        ]
        self.by_code = {i.code: i for i in infos}
        self.by_slug = {i.slug: i for i in infos}
        self.by_host = {h.lower(): self.by_code[t.code] for t in rows for h in t.hosts}
        children: dict[str, list[TenantInfo]] = {}
        for info in infos:
            if info.parent_code:
                children.setdefault(info.parent_code, []).append(info)
        self.children = children

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

    def ancestors(self, info: TenantInfo) -> list[TenantInfo]:
        return [self.by_code[c] for c in info.path_ids[:-1] if c in self.by_code]
