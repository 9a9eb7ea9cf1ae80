"""Liveness and readiness: `/healthz` says the process runs, `/readyz` checks its services."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

CHECK_TIMEOUT_SECONDS = 2.0


@get("/healthz", opt={"public": True}, include_in_schema=True, tags=["health"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(state: State) -> bool:
    async with state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True


async def _check(coro: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(coro, CHECK_TIMEOUT_SECONDS))
    except Exception:
        return False


@get("/readyz", opt={"public": True}, tags=["health"])
async def readyz(state: State) -> Response[dict[str, Any]]:
    database, redis, storage = await asyncio.gather(
        _check(_database(state)), _check(state.cache.ping()), _check(state.storage.ping())
    )
    checks = {"database": database, "redis": redis, "storage": storage}
    # Redis down means slower, not unavailable: the platform degrades to local caches.
    ready = database and storage
    return Response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
