"""An in-memory stand-in for the few `redis.asyncio.Redis` commands identity code uses.

Unit tests need nothing running; the same classes are exercised against a real
Redis by the integration tests. `down=True` makes every command fail the way a
lost connection does, to prove the fail-closed paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeRedis:
    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or FakeClock()
        self.data: dict[str, tuple[bytes, float | None]] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise RedisConnectionError("connection refused (fake)")

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        item = self.data.get(key)
        if item is not None and item[1] is not None and item[1] <= self.clock():
            del self.data[key]
            return None
        return item

    @staticmethod
    def _bytes(value: Any) -> bytes:
        return value if isinstance(value, bytes) else str(value).encode()

    async def get(self, key: str) -> bytes | None:
        self._check()
        item = self._live(key)
        return item[0] if item else None

    async def set(
        self,
        key: str,
        value: Any,
        *,
        nx: bool = False,
        ex: int | None = None,
        px: int | None = None,
    ) -> bool | None:
        self._check()
        if nx and self._live(key) is not None:
            return None
        expires = None
        if ex is not None:
            expires = self.clock() + ex
        elif px is not None:
            expires = self.clock() + px / 1000
        self.data[key] = (self._bytes(value), expires)
        return True

    async def delete(self, *keys: str) -> int:
        self._check()
        return sum(1 for k in keys if self._live(k) is not None and self.data.pop(k, None))

    async def incr(self, key: str) -> int:
        self._check()
        item = self._live(key)
        value = int(item[0]) + 1 if item else 1
        self.data[key] = (str(value).encode(), item[1] if item else None)
        return value

    async def expire(self, key: str, seconds: int, nx: bool = False) -> bool:
        self._check()
        item = self._live(key)
        if item is None or (nx and item[1] is not None):
            return False
        self.data[key] = (item[0], self.clock() + seconds)
        return True

    async def ttl(self, key: str) -> int:
        item = self._live(key)
        if item is None:
            return -2
        return -1 if item[1] is None else int(item[1] - self.clock())

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        return FakePipeline(self)


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self._redis = redis
        self._calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    async def __aenter__(self) -> FakePipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._calls = []

    def __getattr__(self, name: str) -> Callable[..., FakePipeline]:
        def queue(*args: Any, **kwargs: Any) -> FakePipeline:
            self._calls.append((name, args, kwargs))
            return self

        return queue

    async def execute(self) -> list[Any]:
        self._redis._check()
        return [await getattr(self._redis, n)(*a, **k) for n, a, k in self._calls]
