"""The console's inbox, one request at a time, in process: the ASGI app without a server.

`bench/console_inbox.py --in-process N` runs this in a fresh process per round: the app
under its own lifespan behind httpx's ASGI transport (no socket to the app), the clerk's
bearer token from the environment, 20 requests not counted, then N sequential
`GET /console/t/620502/inbox`. It prints one JSON line: the median, the CPU per request
(`time.process_time()` of the process over the N, client included), the engine's cursor
executions and transactions per request, PostgreSQL round trips per request (each
cursor execution, plus BEGIN and COMMIT for each transaction: a transaction that begins
in a scope sends BEGIN with its scope, one round trip, where psycopg alone sent BEGIN and
then the scope as a cursor execution), and the Redis commands the server counted per
request (`INFO commandstats`, the process's pollers included). With `--profile FILE`
it writes cProfile's stats of the N requests.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import os
import statistics
import sys
import time
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import event


async def _redis_calls(client: Redis) -> int:
    stats = await client.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k.startswith("cmdstat_"))


async def run(path: str, token: str, n: int, profile: str | None) -> dict[str, float]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from yiwang.app import build_platform, create_app
    from yiwang.platform.settings import Settings

    settings = Settings.from_env()
    platform = build_platform(settings)
    app = create_app(settings, platform=platform)
    counts = {"statements": 0, "transactions": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def transaction(*_: Any) -> None:
        counts["transactions"] += 1

    event.listen(platform.engine.sync_engine, "before_cursor_execute", statement)
    event.listen(platform.engine.sync_engine, "commit", transaction)
    event.listen(platform.engine.sync_engine, "rollback", transaction)
    redis = Redis.from_url(settings.redis_url)
    headers = {"authorization": f"Bearer {token}", "accept": "text/html"}
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:

            async def one() -> float:
                start = time.perf_counter()
                resp = await client.get(path, headers=headers)
                took = time.perf_counter() - start
                if resp.status_code != 200:
                    raise RuntimeError(f"{path} answered {resp.status_code}")
                return took

            for _ in range(20):
                await one()
            counts.update(statements=0, transactions=0)
            redis_before = await _redis_calls(redis)
            profiler = cProfile.Profile(time.process_time) if profile else None
            if profiler is not None:
                profiler.enable()
            cpu = time.process_time()
            times = [await one() for _ in range(n)]
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            redis_calls = await _redis_calls(redis) - redis_before - 1  # the INFO itself
    await redis.aclose()
    return {
        "requests": n,
        "p50_ms": statistics.median(times) * 1000,
        "cpu_ms_per_request": cpu / n * 1000,
        "statements_per_request": counts["statements"] / n,
        "pg_round_trips_per_request": (counts["statements"] + 2 * counts["transactions"]) / n,
        "redis_commands_per_request": redis_calls / n,
    }


if __name__ == "__main__":
    found = asyncio.run(
        run(
            sys.argv[1],
            os.environ["YIWANG_BENCH_TOKEN"],
            int(sys.argv[2]),
            os.environ.get("YIWANG_BENCH_PROFILE"),
        )
    )
    print(json.dumps(found))
