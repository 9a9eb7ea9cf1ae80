"""Liveness and readiness: `/healthz` says the process runs, `/readyz` checks its services."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.platform.cache import Cache
from yiwang.platform.conditional import Prepared
from yiwang.platform.storage import ObjectStorage

CHECK_TIMEOUT_SECONDS = 2.0


#: the same bytes every time, so built once (headers included)
_ALIVE = Prepared(msgspec.json.encode({"status": "ok"}), etag=None)


@get(
    "/healthz",
    opt={"public": True},
    include_in_schema=True,
    tags=["health"],
    responses={200: ResponseSpec(dict[str, str], description="进程在运行")},
)
async def healthz() -> Prepared:
    return _ALIVE


async def _database(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True


async def _check(coro: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(coro, CHECK_TIMEOUT_SECONDS))
    except Exception:
        return False


@get("/readyz", opt={"public": True}, tags=["health"])
async def readyz(
    engine: AsyncEngine, cache: Cache, storage: ObjectStorage
) -> Response[dict[str, Any]]:
    database, redis, stored = await asyncio.gather(
        _check(_database(engine)), _check(cache.ping()), _check(storage.ping())
    )
    checks = {"database": database, "redis": redis, "storage": stored}
    # Redis down means slower, not unavailable: the platform degrades to local caches.
    ready = database and stored
    return Response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
