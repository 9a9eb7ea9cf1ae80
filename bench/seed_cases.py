"""Seeding cases, next to the same rows written where no index, constraint or
row-level-security policy has to look at them.

Both runs use the seeder's own statements (`runtime/seeding/cases.py`), with the
same seed and the same number of cases over the same tenants, two tenants at
once. The platform writes into the real tables through the application role,
in each tenant's scope. The floor writes into copies of the seven tables in a
schema of its own (`seed_floor`: `LIKE … INCLUDING DEFAULTS INCLUDING IDENTITY`,
so no index, no constraint, no policy; the two rollup tables with their primary
keys, which the seeder's counting upserts need), reached by `search_path`, as the owner
role. The difference is what the tables' indexes, checks and policies cost; the
floor is what generating and storing the rows costs at all. Rounds alternate
platform and floor; the floor's tables are emptied before each of its rounds.

    eval "$(scripts/services.sh env test)"; uv run yiwang bootstrap
    uv run python bench/seed_cases.py [--cases 200000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, unit_of_work
from yiwang.runtime.seeding.cases import TABLES, CaseSeeder
from yiwang.tenants.tree import TenantTree

FLOOR = "seed_floor"
#: the rollup's tables, which the seeder writes its batches' counts to
ROLLUP = ("supervision_rollup", "supervision_warning_months")


async def _floor_engine() -> AsyncEngine:
    url = os.environ["MIGRATION_DATABASE_URL"]
    engine = create_engine(url, pool_size=4, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _search_path(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cur:
            cur.execute(f"SET search_path = {FLOOR}, public")

    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {FLOOR}"))
        for table in TABLES:
            await conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {FLOOR}.{table}"
                    f" (LIKE public.{table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                )
            )
        for table in ROLLUP:
            # the seeder's counts land here too; its upserts need the primary key
            await conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {FLOOR}.{table}"
                    f" (LIKE public.{table} INCLUDING DEFAULTS INCLUDING INDEXES)"
                )
            )
    return engine


async def _empty_floor(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        names = ", ".join(f"{FLOOR}.{t}" for t in (*TABLES, *ROLLUP))
        await conn.execute(text(f"TRUNCATE {names}"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    settings = Settings.from_env()
    app = create_engine(settings.database_url, pool_size=4, max_overflow=0)
    app_sessions = session_factory(app)
    floor = await _floor_engine()
    floor_sessions = session_factory(floor)
    async with app_sessions() as session:
        tree = await TenantTree.load(session)

    def platform_units(scope: TenantScope | None = None):  # type: ignore[no-untyped-def]
        return unit_of_work(app_sessions, actor="bench", scope=scope)

    @asynccontextmanager
    async def floor_units(scope: TenantScope | None = None) -> AsyncIterator[UnitOfWork]:
        # the owner role, no scope: the floor's tables have no policy to satisfy
        async with unit_of_work(floor_sessions, actor="bench") as uow:
            yield uow

    times: dict[str, list[float]] = {"platform": [], "floor": []}
    written: dict[str, int] = {}
    quiet = lambda *_: None  # noqa: E731
    for round_ in range(args.rounds):
        for name in ("platform", "floor") if round_ % 2 == 0 else ("floor", "platform"):
            if name == "floor":
                await _empty_floor(floor)
            units = platform_units if name == "platform" else floor_units
            result = await CaseSeeder(units, tree, args.seed + round_, quiet).run(args.cases)
            times[name].append(result.seconds)
            written = result.written
            print(f"round {round_ + 1} {name}: {result.seconds:.1f} s", flush=True)
    await app.dispose()
    await floor.dispose()

    rows = sum(written.values())
    platform, base = statistics.median(times["platform"]), statistics.median(times["floor"])
    print(f"\n{args.cases:,} cases ({rows:,} rows in {len(TABLES)} tables), {len(tree.by_id)}"
          f" tenants, two at once; medians of {args.rounds} rounds\n")  # fmt: skip
    print("| writer | seconds | cases/s | rows/s | ratio to the floor |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds in (("platform (real tables, RLS)", platform), ("floor", base)):
        print(
            f"| {name} | {seconds:.1f} | {args.cases / seconds:,.0f} | {rows / seconds:,.0f}"
            f" | {seconds / base:.2f} |"
        )
    print("\n" + ", ".join(f"{t} {n:,}" for t, n in written.items()))


if __name__ == "__main__":
    asyncio.run(main())
