"""Keeping every worker's enforcer current: version broadcast through Redis.

After a change commits, the worker that made it rebuilds its own engine and
publishes the new version on a Redis channel. Every worker listens on its own
event loop; on a message it reads the snapshot from PostgreSQL, builds a new
`PolicyEngine` on that same loop and swaps the holder's reference. Nothing is
ever mutated from another thread, since Casbin enforcers are not thread-safe.

Messages can be lost (Redis restarts, a worker reconnecting), so each worker
also compares its version with `policy_state` every `poll_seconds`: a change
reaches a worker within milliseconds through Redis, and within `poll_seconds`
without it.
"""

from __future__ import annotations

import asyncio

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import poll_forever, stop_task, subscribe_forever
from yiwang.policy import store
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.enforcer import PolicyEngine
from yiwang.policy.holder import PolicyHolder

log = structlog.get_logger(__name__)

CHANNEL = "yiwang:policy:version"


class PolicySync:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: RoleCatalogue,
        redis: Redis | None,
        *,
        poll_seconds: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self.catalogue = catalogue
        self._redis = redis
        self.poll_seconds = poll_seconds
        self._holder: PolicyHolder | None = None
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self.rebuilds = 0

    @property
    def holder(self) -> PolicyHolder:
        if self._holder is None:
            raise RuntimeError("PolicySync.start() has not run")
        return self._holder

    async def start(self) -> None:
        """Build the first engine, then listen and poll in the background."""
        async with self._sessions() as session:
            snapshot = await store.load_snapshot(session, self.catalogue)
        self._holder = PolicyHolder(PolicyEngine(snapshot))
        self._tasks = [
            asyncio.create_task(
                poll_forever(self.poll_seconds, self.refresh, name="policy"), name="policy-poll"
            )
        ]
        if self._redis is not None:
            self._tasks.append(asyncio.create_task(self._listen(), name="policy-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            await stop_task(task)
        self._tasks = []

    async def refresh(self) -> bool:
        """Rebuild if the database holds a newer version; True if a new engine went in."""
        async with self._lock:
            async with self._sessions() as session:
                version = await store.current_version(session)
                if self._holder is not None and version <= self._holder.version:
                    return False
                snapshot = await store.load_snapshot(session, self.catalogue)
            engine = PolicyEngine(snapshot)
            if self._holder is None:
                self._holder = PolicyHolder(engine)
            else:
                self._holder.swap(engine)
            self.rebuilds += 1
            log.info("policy_engine_rebuilt", version=engine.version, grants=engine.grant_count)
            return True

    async def changed(self, version: int) -> None:
        """After committing `version` here: install it locally, then tell the other workers."""
        await self.refresh()
        if self._redis is None:
            return
        try:
            await self._redis.publish(CHANNEL, str(version))
        except (RedisError, OSError) as exc:
            log.warning("policy_publish_failed", version=version, error=str(exc))

    async def _listen(self) -> None:
        assert self._redis is not None
        await subscribe_forever(self._redis, CHANNEL, self._on_message, wait_seconds=5.0)

    async def _on_message(self, data: bytes) -> None:
        await self.refresh()
