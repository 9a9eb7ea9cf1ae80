"""A staff list page read from PostgreSQL under the 5 s statement limit, against the same
page without it (the code before the limit) and with the limit as a statement of its own.

`ListService.page` in process, as the staff list API calls it: a unit of work of its
own per page, scoped to the tenant (row-level security on), no kept pages (every page
is read), the first page of `service_item`'s default view (its 50 rows), one connection.
Three variants in one process, against the same database and connection, in rounds
whose order alternates:

- `BEGIN` (this checkout): the limit asked for before the unit's first statement,
  sent with the transaction's `BEGIN` and the tenant scope;
- none (before): `ListRepository.limit_time` replaced by nothing;
- own statement: the limit set by `SELECT set_config('statement_timeout', …)` once the
  transaction has begun, what `SET LOCAL` per page would cost.

Each variant's `statement_timeout` is read back once per round outside the timing, so
the table says which code ran. Wall time per page, and this process's CPU per page.

    eval "$(scripts/services.sh env test)"
    nice -n 10 uv run python bench/list_time_limit.py [--tenant 620102] [--pages 300] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

from sqlalchemy import func, select, text, true

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.lists.record_search import records_search
from yiwang.runtime.lists.repository import ListRepository
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import Viewer
from yiwang.tenants.tree import TenantTree

TYPE = "service_item"
EVERYONE = Viewer(False, None)


class Unbounded(ListRepository):
    """Before: a page's statements run without a limit."""

    async def limit_time(self) -> None:
        return None


class OwnStatement(ListRepository):
    """The limit as a statement of its own, in the transaction (a round trip)."""

    async def limit_time(self) -> None:
        await self.session.execute(
            select(func.set_config("statement_timeout", str(self.time_limit_ms), true()))
        )


VARIANTS: dict[str, type[ListRepository] | None] = {
    "with BEGIN (this checkout)": None,
    "none (before)": Unbounded,
    "own statement": OwnStatement,
}


async def main(tenant: str, pages: int, rounds: int) -> None:
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=1)
    cache = Cache(settings.redis_url)
    seal = PiiSeal(IdentitySettings.from_env(settings).cipher())
    models = ModelCache(cache)
    sessions = session_factory(engine)
    async with unit_of_work(sessions, actor="bench") as uow:
        tree = await TenantTree.load(uow.session)
    scope = TenantScope.single(tree.node(tenant).id)

    def lists_of(uow: Any, repository: type[ListRepository] | None) -> ListService:
        lists = ListService(uow, tree, models, seal, records_search)
        if repository is not None:
            lists.repo = repository(uow.session)
        return lists

    async def one(repository: type[ListRepository] | None) -> int:
        async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
            page = await lists_of(uow, repository).page(TYPE, {}, viewer=EVERYONE)
        return len(page.items)

    async def shown(repository: type[ListRepository] | None) -> str:
        async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
            await lists_of(uow, repository).page(TYPE, {}, viewer=EVERYONE)
            return str(await uow.session.scalar(text("SHOW statement_timeout")))

    async def timed(repository: type[ListRepository] | None) -> tuple[list[float], float, int]:
        walls: list[float] = []
        cpu = time.process_time()
        rows = 0
        for _ in range(pages):
            started = time.perf_counter()
            rows = await one(repository)
            walls.append((time.perf_counter() - started) * 1000)
        return walls, (time.process_time() - cpu) * 1000 / pages, rows

    results: dict[str, dict[str, Any]] = {
        name: {"walls": [], "cpu": [], "limits": set(), "rows": 0} for name in VARIANTS
    }
    load_before = os.getloadavg()
    try:
        for repository in VARIANTS.values():  # warm: the model, the plans, the pool
            await timed(repository)
        for n in range(rounds):
            order = list(VARIANTS) if n % 2 == 0 else list(reversed(VARIANTS))
            for name in order:
                repository = VARIANTS[name]
                walls, cpu, rows = await timed(repository)
                found = results[name]
                found["walls"].extend(walls)
                found["cpu"].append(cpu)
                found["rows"] = rows
                found["limits"].add(await shown(repository))
    finally:
        await engine.dispose()
        await cache.close()
    load_after = os.getloadavg()
    print(f"load average: {load_before} -> {load_after}")
    print(
        f"| statement limit | `statement_timeout` | rows | page p50 (ms) | mean (ms) |"
        f" p95 (ms) | client CPU / page (ms, median of {rounds}) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    summary: dict[str, Any] = {}
    for name, found in results.items():
        walls = sorted(found["walls"])
        p95 = walls[int(len(walls) * 0.95)]
        row = {
            "limits": sorted(found["limits"]),
            "rows": found["rows"],
            "p50": statistics.median(walls),
            "mean": statistics.fmean(walls),
            "p95": p95,
            "cpu": statistics.median(found["cpu"]),
        }
        summary[name] = row
        print(
            f"| {name} | {', '.join(row['limits'])} | {row['rows']} | {row['p50']:.3f}"
            f" | {row['mean']:.3f} | {row['p95']:.3f} | {row['cpu']:.3f} |"
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="620102")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(main(args.tenant, args.pages, args.rounds))
