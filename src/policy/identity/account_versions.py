"""Each account's session version, checked on every signed-in request.

A session records the account's `session_version` when it starts; disabling
the account, resetting it, a new password or TOTP secret and "end sessions"
bump the version in PostgreSQL, so every older session stops working on its
next request on any worker. The guard reads the version from Redis in the
same round trip as the session (`SessionStore.get_with_version`); the value
there lives `ttl_seconds` and is rewritten after each
bump commits. When Redis is down the guard reads PostgreSQL instead, slower
but never wrong; a bump made while Redis was down reaches the Redis copy at
the latest when that copy expires.

An account that is not active answers version -1, which no session holds, so
a status changed behind the application's back still ends its sessions.
"""

from __future__ import annotations

import time

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.policy.identity.sessions import Session

log = structlog.get_logger(__name__)

#: the version of an account that may hold no session at all
INACTIVE = -1
_RETRY_AFTER_SECONDS = 5.0
_READ = text("SELECT session_version, status FROM accounts WHERE id = :id")


async def read_version(session: AsyncSession, account_id: int) -> int:
    """The account's version as PostgreSQL holds it (INACTIVE unless it is active)."""
    row = (await session.execute(_READ, {"id": account_id})).first()
    if row is None or row[1] != "active":
        return INACTIVE
    return int(row[0])


class AccountVersions:
    def __init__(
        self,
        client: Redis,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl_seconds: int = 15,
        prefix: str = "yiwang:account-version:",
    ) -> None:
        self._client = client
        self._sessions = sessions
        self.ttl_seconds = ttl_seconds
        self._prefix = prefix
        self._down_until = 0.0
        self.database_reads = 0

    @property
    def prefix(self) -> str:
        """Each account's key is the prefix and its id (the guard reads it with the session)."""
        return self._prefix

    def _key(self, account_id: int) -> str:
        return f"{self._prefix}{account_id}"

    def _redis_down(self, exc: Exception) -> None:
        if time.monotonic() >= self._down_until:
            log.warning("account_versions_from_database", error=str(exc))
        self._down_until = time.monotonic() + _RETRY_AFTER_SECONDS

    async def _from_database(self, account_id: int) -> int:
        self.database_reads += 1
        async with self._sessions() as session:
            return await read_version(session, account_id)

    async def current(self, account_id: int) -> int:
        """The version a session of this account must carry to be honoured."""
        if time.monotonic() < self._down_until:
            return await self._from_database(account_id)
        try:
            raw = await self._client.get(self._key(account_id))
        except (RedisError, OSError) as exc:
            self._redis_down(exc)
            return await self._from_database(account_id)
        if raw is not None:
            return int(raw)
        version = await self._from_database(account_id)
        # NX: a bump committed meanwhile has written its newer version; never overwrite it.
        await self._set(account_id, version, only_if_absent=True)
        return version

    async def current_unless_read(self, account_id: int, read: int | None) -> int:
        """The version `read` with the session in the same round trip, else `current`."""
        return read if read is not None else await self.current(account_id)

    async def honours(self, session: Session, read: int | None) -> bool:
        """Whether `session` is still good: its account's version unchanged (`read` with
        it, if read), and for an agent acting for an enterprise, the agent's own too."""
        if await self.current_unless_read(session.account_id, read) != session.version:
            return False
        return session.agent_id is None or (
            await self.current(session.agent_id) == session.agent_version
        )

    async def publish(self, account_id: int, version: int) -> None:
        """After a bump commits: put its version where every worker's guard reads it."""
        await self._set(account_id, version, only_if_absent=False)

    async def _set(self, account_id: int, version: int, *, only_if_absent: bool) -> None:
        try:
            await self._client.set(
                self._key(account_id), str(version), ex=self.ttl_seconds, nx=only_if_absent
            )
        except (RedisError, OSError) as exc:
            self._redis_down(exc)
