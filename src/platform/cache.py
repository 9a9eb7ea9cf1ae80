"""Redis with an in-process fallback.

Caches and sessions must survive a Redis outage (slower, per-process), so every
call that fails on Redis is answered from a local dict and a warning is logged.
Callers that must fail closed (rate limits) use `strict_client` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError, NoScriptError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)

#: after a failure, Redis is not tried again for this many seconds
RETRY_AFTER_SECONDS = 5.0
#: pooled connections a process may hold at once, and how long a command waits for one
POOL_CONNECTIONS = 100
POOL_WAIT_SECONDS = 1.0


class LocalCache:
    """A small TTL dict: the fallback when Redis cannot be reached."""

    def __init__(self, max_items: int = 100_000) -> None:
        self._data: dict[str, tuple[float | None, bytes]] = {}
        self._max_items = max_items

    def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires is not None and expires < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        if len(self._data) >= self._max_items:
            self._data.pop(next(iter(self._data)))
        self._data[key] = (time.monotonic() + ttl if ttl else None, value)

    def delete(self, *keys: str) -> int:
        return sum(1 for k in keys if self._data.pop(k, None) is not None)

    def incr(self, key: str, ttl: float | None) -> int:
        current = self.get(key)
        value = int(current or b"0") + 1
        item = self._data.get(key)
        expires = item[0] if item and current is not None else None
        if expires is None and ttl:
            expires = time.monotonic() + ttl
        self._data[key] = (expires, str(value).encode())
        return value


#: GET KEYS[1], then GET ARGV[2] .. <its JSON field ARGV[1]>; false (nil) where absent
_GET_WITH_NAMED = """
local first = redis.call('GET', KEYS[1])
if not first then return {} end
local ok, decoded = pcall(cjson.decode, first)
if not ok or type(decoded) ~= 'table' or decoded[ARGV[1]] == nil then return {first} end
local name = decoded[ARGV[1]]
if type(name) == 'number' then name = string.format('%d', name) end
return {first, redis.call('GET', ARGV[2] .. tostring(name))}
"""


def _as_bytes(value: Any) -> bytes | None:
    if value is None or value is False:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


class DirectCommands:
    """One command at a time on connections of the client's own kind, without its pool.

    redis-py's client wraps every command in its pool's lock, a retry policy and its
    metrics hooks: on the guard's one call per request that was about a third of the
    call's CPU (`bench/README.md`). Here a command takes an idle connection (or opens
    one), sends, reads, and puts it back. A connection that failed is dropped, never
    reused; one found broken when taken idle (Redis restarted, the socket cut) is
    replaced once, as the client's retry would; an error reply leaves it reusable."""

    #: idle connections kept; more in flight at once are opened and closed after use
    KEEP = 16

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._idle: list[AbstractConnection] = []

    async def call(self, *args: Any) -> Any:
        if self._idle:
            # an idle connection found stale (Redis restarted, the socket cut) is dropped
            # by `_on`, and the command goes once more on a new one
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                return await self._on(self._idle.pop(), args)
        fresh = self._client.connection_pool.make_connection()  # type: ignore[no-untyped-call]
        return await self._on(fresh, args)

    async def _on(self, connection: AbstractConnection, args: tuple[Any, ...]) -> Any:
        try:
            if not connection.is_connected:
                await connection.connect()  # type: ignore[no-untyped-call]
            await connection.send_command(*args)
            answer = await connection.read_response()
        except ResponseError:
            await self._put_back(connection)
            raise
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.disconnect(nowait=True)
            raise
        await self._put_back(connection)
        return answer

    async def _put_back(self, connection: AbstractConnection) -> None:
        if len(self._idle) < self.KEEP:
            self._idle.append(connection)
            return
        with contextlib.suppress(Exception):
            await connection.disconnect(nowait=True)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.disconnect(nowait=True)


class WaitingPool(BlockingConnectionPool):
    """A burst of commands waits for a pooled connection instead of failing at once.

    Past the wait the pool is exhausted, which says this process is busy, not that Redis
    is down: the wait's failure is raised as `MaxConnectionsError`, which `Cache` answers
    for that one call and does not take for an outage (an outage would turn every
    signed-in request of the process away for `RETRY_AFTER_SECONDS`)."""

    async def get_connection(self, *args: Any, **kwargs: Any) -> AbstractConnection:
        try:
            return await super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call,no-any-return]
        except RedisConnectionError as exc:
            if isinstance(exc.__cause__, TimeoutError) and not isinstance(exc, MaxConnectionsError):
                raise MaxConnectionsError(str(exc)) from exc
            raise


class Cache:
    """Key-value cache backed by Redis, degrading to `LocalCache` when Redis is down."""

    def __init__(
        self,
        url: str,
        *,
        pool_connections: int = POOL_CONNECTIONS,
        pool_wait: float = POOL_WAIT_SECONDS,
    ) -> None:
        self.url = url
        pool = WaitingPool.from_url(
            url,
            max_connections=pool_connections,
            timeout=pool_wait,
            socket_connect_timeout=0.5,
            socket_timeout=1.0,
            health_check_interval=30,
        )
        self.client: Redis = Redis.from_pool(pool)
        self.local = LocalCache()
        self._down_until = 0.0
        self._get_with_named = self.client.register_script(_GET_WITH_NAMED)
        self._direct = DirectCommands(self.client)

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, exc: Exception, op: str) -> None:
        if isinstance(exc, MaxConnectionsError):  # this process is busy; Redis is not away
            log.warning("redis_pool_exhausted", op=op, error=str(exc))
            return
        if not self.degraded:
            log.warning("redis_unavailable_using_local_fallback", op=op, error=str(exc))
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS

    async def get(self, key: str) -> bytes | None:
        if not self.degraded:
            try:
                value = await self.client.get(key)
                return value.encode() if isinstance(value, str) else value
            except (RedisError, OSError) as exc:
                self._failed(exc, "get")
        return self.local.get(key)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        """The values at `keys`, in their order, in one round trip (`MGET`)."""
        if not keys:
            return []
        if not self.degraded:
            try:
                return [_as_bytes(value) for value in await self.client.mget(keys)]
            except (RedisError, OSError) as exc:
                self._failed(exc, "get")
        return [self.local.get(key) for key in keys]

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        if not self.degraded:
            try:
                await self.client.set(key, data, px=int(ttl * 1000) if ttl else None)
                return
            except (RedisError, OSError) as exc:
                self._failed(exc, "set")
        self.local.set(key, data, ttl)

    async def delete(self, *keys: str) -> None:
        self.local.delete(*keys)
        if not self.degraded:
            try:
                await self.client.delete(*keys)
            except (RedisError, OSError) as exc:
                self._failed(exc, "delete")

    async def incr(self, key: str, ttl: float | None = None) -> int:
        if not self.degraded:
            try:
                async with self.client.pipeline(transaction=True) as pipe:
                    pipe.incr(key)
                    if ttl:
                        pipe.expire(key, int(ttl), nx=True)
                    result = await pipe.execute()
                return int(result[0])
            except (RedisError, OSError) as exc:
                self._failed(exc, "incr")
        return self.local.incr(key, ttl)

    async def get_with_named(
        self, key: str, field: str, prefix: str
    ) -> tuple[bytes | None, bytes | None]:
        """The JSON object at `key`, and the value at `prefix` + its `field`, in one round
        trip (a script: the second key is read from the first value, so the two must live
        on one Redis, as they do here). The second is None when it is absent or Redis is
        down: the caller then asks its owner."""
        if not self.degraded:
            try:
                found = await self._named(key, field, prefix)
                first, second = [*found, None, None][:2]
                return _as_bytes(first), _as_bytes(second)
            except (RedisError, OSError) as exc:
                self._failed(exc, "get")
        return self.local.get(key), None

    async def _named(self, key: str, field: str, prefix: str) -> Any:
        """The script by its digest on a direct connection (`DirectCommands`: every request's
        session goes this way); loaded again once if Redis has forgotten it."""
        script = self._get_with_named
        try:
            return await self._direct.call("EVALSHA", script.sha, 1, key, field, prefix)
        except NoScriptError:
            script.sha = await self.client.script_load(script.script)
            return await self._direct.call("EVALSHA", script.sha, 1, key, field, prefix)

    async def publish(self, channel: str, message: str) -> bool:
        """Broadcast to other workers; False when Redis is down (they poll versions then)."""
        if self.degraded:
            return False
        try:
            await self.client.publish(channel, message)
            return True
        except (RedisError, OSError) as exc:
            self._failed(exc, "publish")
            return False

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError) as exc:
            self._failed(exc, "ping")
            return False

    @property
    def strict_client(self) -> Redis:
        """The raw client, for callers that must fail closed rather than degrade."""
        return self.client

    async def close(self) -> None:
        await self._direct.close()
        await self.client.aclose()

    def __repr__(self) -> str:
        return f"Cache({self.url!r}, degraded={self.degraded})"


async def subscribe_forever(
    client: Redis,
    channel: str,
    on_message: Callable[[bytes], Awaitable[None] | None],
    *,
    wait_seconds: float = 1.0,
) -> None:
    """Deliver every message on `channel` until cancelled, reconnecting after failures.

    Workers run this as a background task. The subscription is closed with a bound:
    closing a pub/sub connection whose read was just cancelled can otherwise wait
    forever, and with it the worker's shutdown.
    """
    while True:
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel)
            while True:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=wait_seconds
                )
                _stop_if_cancelled()
                if message is not None and message.get("type") == "message":
                    result = on_message(message["data"])
                    if inspect.isawaitable(result):
                        await result
        except Exception as exc:  # Redis away: callers poll meanwhile
            _stop_if_cancelled()
            log.warning("redis_subscription_failed", channel=channel, error=str(exc))
            await asyncio.sleep(1.0)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), 1.0)  # type: ignore[no-untyped-call]


async def poll_forever(
    seconds: float, refresh: Callable[[], Awaitable[object]], *, name: str
) -> None:
    """Call `refresh` every `seconds` until cancelled: the fallback that keeps a worker
    current when a broadcast was lost. A failed refresh (the database briefly away) is
    logged and retried at the next tick."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await refresh()
        except Exception as exc:
            _stop_if_cancelled()
            log.warning("poll_failed", what=name, error=str(exc))


def _stop_if_cancelled() -> None:
    """Raise the cancellation a library swallowed: redis-py's read with a timeout can turn a
    cancel into "no message", and a database call into another error, and the loop would
    go on until `stop_task` gave up on it (its whole bound, on every shutdown)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_task(task: asyncio.Task[Any] | None, *, within: float = 2.0) -> None:
    """Cancel a background task and wait for it, but never longer than `within`."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
        await asyncio.wait_for(task, timeout=within)


def cache_key(*parts: Any) -> str:
    return "yiwang:" + ":".join(str(p) for p in parts)
