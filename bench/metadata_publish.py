"""Publishing a base version with its impact preview over all 103 Gansu tenants.

On a scratch database (migrated, the Gansu tree onboarded, the template base
model and example overlays published; none of it timed), the province
publishes new base versions through `MetadataService.publish`, which checks
the version in full, re-applies every overlay below the province on it (102
descendants), stores the version, bumps the generation and writes the audit
record, then commits; the announce to other workers comes after. Two
compatible base contents alternate so no publish is refused as unchanged.

Baselines from the same run: for publishing, the pure part alone (full check
plus preview, nothing written); for a warm `ModelCache.effective` for a county
(what every request pays once the model is cached: generation check, chain
and model lookups), awaiting a coroutine that answers the same model from
`functools.lru_cache` for the same (tenant, version hashes) key, the floor of
any in-memory async lookup. Both warm figures are timed in batches of 2,000
awaits, so the timer's own cost is spread out.

Run with the test services up:
    eval "$(scripts/services.sh env test)"; uv run python bench/metadata_publish.py
"""

from __future__ import annotations

import asyncio
import copy
import functools
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import psycopg

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform import migrate
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.tenants.tree import TenantTree

SCRATCH = "yiwang_bench_metadata"
RUNS = 10


def _swap_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def fresh_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER yiwang_owner")


async def per_await_ns(call: Callable[[], Awaitable[Any]], batch: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(batch):
        await call()
    return (time.perf_counter_ns() - start) / batch


def bootstrap(settings: Settings) -> None:
    """The Gansu tree, the base model and the example overlays, as `make run` sets them up."""
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        MIGRATION_DATABASE_URL=settings.migration_database_url,
    )
    subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "bootstrap"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


async def run(settings: Settings) -> dict[str, Any]:
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)
    cache = Cache(settings.redis_url)
    models = ModelCache(cache)
    async with unit_of_work(sessions, actor="bench") as uow:
        tree = await TenantTree.load(uow.session)
    root = tree.roots[0]
    scope = TenantScope.single(root.id)

    async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
        original = (await MetadataService(uow, tree, models).export(root.code))["content"]
    variants = []
    for label in ("养老服务", "托育服务"):
        content = copy.deepcopy(original)
        content["code_lists"]["theme"]["values"].append({"code": "p_extra", "label": label})
        variants.append(content)

    publish_ms, preview_ms = [], []
    checked = 0
    for index in range(RUNS):
        content = variants[index % 2]
        async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
            start = time.perf_counter()
            preview = await MetadataService(uow, tree, models).preview(root.code, content)
            preview_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
            result = await MetadataService(uow, tree, models).publish(root.code, content=content)
        publish_ms.append((time.perf_counter() - start) * 1000)
        await models.announce(result.generation)
        checked = preview.checked

    county = "620102"
    async with unit_of_work(
        sessions, actor="bench", scope=TenantScope.single(tree.node(county).id)
    ) as uow:
        session = uow.session
        model = await models.effective(session, tree, county)

        @functools.lru_cache(maxsize=1024)
        def memo(code: str, versions: tuple[str, ...]) -> Any:
            return model

        async def floor() -> Any:
            return memo(county, model.versions)

        async def effective() -> Any:
            return await models.effective(session, tree, county)

        warm, baseline = [], []
        for _ in range(7):
            warm.append(await per_await_ns(effective, 2000))
            baseline.append(await per_await_ns(floor, 2000))
    await cache.close()
    await engine.dispose()
    return {
        "tenants": len(tree),
        "checked": checked,
        "publish_ms": statistics.median(publish_ms),
        "publish_max_ms": max(publish_ms),
        "preview_ms": statistics.median(preview_ms),
        "warm_us": statistics.median(warm) / 1000,
        "floor_us": statistics.median(baseline) / 1000,
    }


def main() -> None:
    admin = os.environ["YIWANG_PG_ADMIN_URL"]
    base = Settings.from_env()
    settings = replace(
        base,
        database_url=_swap_db(base.database_url, SCRATCH),
        migration_database_url=_swap_db(base.migration_database_url, SCRATCH),
    )
    fresh_database(admin)
    migrate.upgrade(settings)
    bootstrap(settings)
    figures = asyncio.run(run(settings))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    print(f"{figures['tenants']} tenants, {figures['checked']} descendants previewed, {RUNS} runs")
    print("| measure | median | baseline (same run) |")
    print("| --- | --- | --- |")
    print(
        f"| publish a base version (check, preview, write, audit, commit) "
        f"| {figures['publish_ms']:.0f} ms (max {figures['publish_max_ms']:.0f}) "
        f"| check + preview alone {figures['preview_ms']:.0f} ms |"
    )
    print(
        f"| warm `ModelCache.effective`, county | {figures['warm_us']:.2f} µs "
        f"| awaited `lru_cache` lookup {figures['floor_us']:.2f} µs "
        f"(ratio {figures['warm_us'] / figures['floor_us']:.1f}) |"
    )


if __name__ == "__main__":
    main()
