"""The in-process tenant tree of a worker, kept current across workers.

Resolution must cost a dict lookup, so the tree is loaded whole (a province
has ~100 tenants) and replaced when the registry changes. Every change, through
any door, bumps `registry_state.version` in its own transaction and, once
committed, announces the version on a Redis channel: workers reload within
milliseconds through Redis, and within `poll_seconds` by polling PostgreSQL
when Redis is away or a message was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache, poll_forever, stop_task, subscribe_forever
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.tenants.repository import DepartmentRepository, TenantRepository
from yiwang.tenants.tree import TenantTree

log = structlog.get_logger(__name__)

T = TypeVar("T")

CHANNEL = "yiwang:tenants:version"
POLL_SECONDS = 1.0


async def announce(cache: Cache, version: int) -> None:
    """Tell every worker that registry `version` is committed (best effort: they poll)."""
    await cache.publish(CHANNEL, str(version))


@dataclass(frozen=True, slots=True)
class DepartmentEntry:
    key: str
    name: str


async def _departments(
    session: AsyncSession, tree: TenantTree
) -> dict[str, tuple[DepartmentEntry, ...]]:
    """Every tenant's departments, read under a scope that sees every tenant: the directory
    serves every subsite's public pages, and this is the one read it makes for them."""
    if not tree.by_id:
        return {}
    ids = tuple(sorted(tree.by_id))
    await apply_scope(session, TenantScope(ids[0], ids))
    found: dict[str, list[DepartmentEntry]] = {node.code: [] for node in tree.by_id.values()}
    for row in await DepartmentRepository(session).of_tenants(ids):
        found[tree.by_id[row.tenant_id].code].append(DepartmentEntry(row.key, row.name))
    return {code: tuple(entries) for code, entries in found.items()}


class TenantDirectory:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cache: Cache,
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._cache = cache
        self.poll_seconds = poll_seconds
        #: replaced whole on every reload, so a reader holding it sees one version
        self.tree: TenantTree = TenantTree.of(())
        self.version = -1
        #: departments by tenant code, read with the tree (onboarding, the only change to
        #: departments, bumps the version), so public pages read no table for them
        self.departments: dict[str, tuple[DepartmentEntry, ...]] = {}
        self._memo: dict[object, object] = {}
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    async def load(self) -> None:
        """Read the tree and its version in one snapshot."""
        async with self._sessions() as session, session.begin():
            repo = TenantRepository(session)
            version = await repo.version()
            tree = TenantTree.from_rows(await repo.all())
            departments = await _departments(session, tree)
        self.tree, self.version, self.departments, self._memo = tree, version, departments, {}

    def departments_of(self, code: str) -> tuple[DepartmentEntry, ...]:
        """A tenant's departments (public); an unknown code is the tree's NotFound."""
        return self.departments.get(self.tree.node(code).code, ())

    def memo(self, key: object, build: Callable[[], T]) -> T:
        """Something derived from this version of the tree, built once (dropped on reload)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]  # type: ignore[return-value]

    async def refresh(self) -> bool:
        """Reload if the registry holds a newer version; True if a new tree went in."""
        async with self._lock:
            async with self._sessions() as session:
                current = await TenantRepository(session).version()
            if current == self.version:
                return False
            await self.load()
            return True

    async def changed(self, version: int) -> None:
        """After committing `version` here: reload, then tell the other workers."""
        await self.refresh()
        await announce(self._cache, version)

    async def start(self) -> None:
        """Load, then keep current in the background: poll and listen."""
        await self.load()
        self._tasks = [
            asyncio.create_task(
                poll_forever(self.poll_seconds, self.refresh, name="tenants"), name="tenants-poll"
            ),
            asyncio.create_task(self._listen(), name="tenants-listen"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            await stop_task(task)
        self._tasks = []

    async def _listen(self) -> None:
        await subscribe_forever(self._cache.client, CHANNEL, self._on_message)

    async def _on_message(self, data: bytes) -> None:
        with contextlib.suppress(ValueError):
            if int(data) != self.version:
                await self.refresh()
