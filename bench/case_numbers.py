"""Case numbers under 50 concurrent submitters: no gap, no duplicate, and the time.

Against the test services with the Gansu tree bootstrapped (as `make bench`
does). Each round opens `--submitters` cases at once, each through
`CasesService.open` in its own unit of work (one connection each: the pool
holds them all), on a day of its own far in the future so the day's counter
starts at nothing; every `--abandon`-th submitter rolls back after taking its
number, as a failed submission would. Then it checks the day's numbers:
count, distinct, serials exactly 1..committed, and the stored counter.

Baselines, in the same run and interleaved round by round with the same
concurrency and pool:
- the counter statement alone (`INSERT … ON CONFLICT DO UPDATE … RETURNING`
  on a counter row of its own day) in 50 concurrent units: the floor of a
  gapless serial, which makes concurrent submitters of one tenant queue;
- 50 concurrent units of one `SELECT 1` each: the pool and round trip floor.

Every figure is the median over `--rounds` rounds of the wall time of one
round of 50 (tens of milliseconds or more: the timer's cost is nothing).
"Warm": one round of each ran before timing.

    uv run python bench/case_numbers.py [--rounds 10] [--submitters 50] [--abandon 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import psycopg
from sqlalchemy import text

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.routes.actions import Actor
from yiwang.tenants.tree import TenantTree

CODE = "620102"
CST = timezone(timedelta(hours=8))


class Abandoned(Exception):
    pass


def admin_dsn() -> str:
    return os.environ["YIWANG_PG_ADMIN_URL"].rsplit("/", 1)[0] + "/yiwang"


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await fn()
    return time.perf_counter() - start, result


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--submitters", type=int, default=50)
    parser.add_argument("--abandon", type=int, default=10, help="every n-th rolls back")
    args = parser.parse_args()
    n = args.submitters
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=n, max_overflow=5)
    sessions = session_factory(engine)
    async with sessions() as session:
        tree = await TenantTree.load(session)
    tenant = tree.node(CODE)
    scope = TenantScope.single(tenant.id)
    models, specs = ModelCache(None), RouteSpecs()
    tag = uuid.uuid4().hex[:8]
    app = Application(
        service_item="SI-BENCH",
        form="application",
        route="standard",
        implementing_department="scjgj",
    )
    base_day = date(2200, 1, 1) + timedelta(days=random.randint(0, 20_000))
    days = iter(base_day + timedelta(days=i) for i in range(10_000))

    async def submit_round() -> tuple[date, list[str], int]:
        day = next(days)
        clock_now = datetime(day.year, day.month, day.day, 10, tzinfo=CST)

        async def submit(i: int) -> str:
            login = f"bench-{tag}-{i}"
            citizen = Actor(id=login, tenant=CODE, roles=frozenset({"citizen"}))
            async with unit_of_work(sessions, actor=login, scope=scope) as uow:
                cases = CasesService(uow, tree, models, specs, clock=lambda: clock_now)
                opened = await cases.open(CODE, app, citizen)
                if args.abandon and i % args.abandon == args.abandon - 1:
                    raise Abandoned(opened.number)
                return opened.number

        results = await asyncio.gather(*(submit(i) for i in range(n)), return_exceptions=True)
        for r in results:
            if not isinstance(r, str | Abandoned):
                raise r  # type: ignore[misc]
        numbers = [r for r in results if isinstance(r, str)]
        return day, numbers, sum(isinstance(r, Abandoned) for r in results)

    async def counter_round() -> None:
        day = next(days)

        async def one(_: int) -> None:
            async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                await uow.session.execute(
                    text(
                        "INSERT INTO case_counters (tenant_id, day, last) VALUES (:t, :d, 1)"
                        " ON CONFLICT (tenant_id, day)"
                        " DO UPDATE SET last = case_counters.last + 1 RETURNING last"
                    ),
                    {"t": tenant.id, "d": day},
                )

        await asyncio.gather(*(one(i) for i in range(n)))

    async def select_round() -> None:
        async def one(_: int) -> None:
            async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                await uow.session.execute(text("SELECT 1"))

        await asyncio.gather(*(one(i) for i in range(n)))

    checks: list[dict[str, Any]] = []
    times: dict[str, list[float]] = {"submit": [], "counter": [], "select": []}
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        try:
            await submit_round()
            await counter_round()
            await select_round()  # warm
            for _ in range(args.rounds):
                t, (day, numbers, abandoned) = await timed(submit_round)
                times["submit"].append(t)
                times["counter"].append((await timed(counter_round))[0])
                times["select"].append((await timed(select_round))[0])
                serials = sorted(int(x.rsplit("-", 1)[1]) for x in numbers)
                stored = conn.execute(
                    "SELECT last FROM case_counters WHERE tenant_id = %s AND day = %s",
                    (tenant.id, day),
                ).fetchone()
                in_db = conn.execute(
                    "SELECT count(*), count(DISTINCT number) FROM cases"
                    " WHERE tenant_id = %s AND number LIKE %s",
                    (tenant.id, f"%-{day:%Y%m%d}-%"),
                ).fetchone()
                checks.append(
                    {
                        "committed": len(numbers),
                        "abandoned": abandoned,
                        "distinct": len(set(numbers)),
                        "gapless": serials == list(range(1, len(numbers) + 1)),
                        "counter": stored[0] if stored else None,
                        "rows": tuple(in_db) if in_db else None,
                    }
                )
        finally:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM cases WHERE submitter LIKE %s", (f"bench-{tag}-%",)
                ).fetchall()
            ]
            for table in ("case_tasks", "case_outbox", "case_events"):
                conn.execute(f"DELETE FROM {table} WHERE case_id = ANY(%s)", (ids,))
            conn.execute("DELETE FROM cases WHERE id = ANY(%s)", (ids,))
            conn.execute("DELETE FROM case_counters WHERE day >= %s", (base_day,))
    await engine.dispose()

    submit, counter, select = (statistics.median(times[k]) for k in ("submit", "counter", "select"))
    committed = sum(c["committed"] for c in checks)
    print(f"rounds: {len(checks)} of {n} concurrent submitters (every {args.abandon}th rolls back)")
    print(
        f"numbers committed: {committed}; abandoned: {sum(c['abandoned'] for c in checks)}; "
        f"duplicates: {sum(c['committed'] - c['distinct'] for c in checks)}; "
        f"rounds with a gap: {sum(not c['gapless'] for c in checks)}; "
        f"counter equals committed: {all(c['counter'] == c['committed'] for c in checks)}; "
        f"rows equal numbers: {all(c['rows'] == (c['committed'], c['committed']) for c in checks)}"
    )
    print("| measure (one round of 50 at once) | median | per second | ratio to it |")
    print("| --- | --- | --- | --- |")
    print(f"| 50 × `CasesService.open` | {submit * 1e3:.0f} ms | {n / submit:,.0f} cases/s | — |")
    print(
        f"| 50 × the counter upsert alone | {counter * 1e3:.0f} ms | {n / counter:,.0f} /s "
        f"| {submit / counter:.2f} |"
    )
    print(
        f"| 50 × `SELECT 1` in a unit | {select * 1e3:.0f} ms | {n / select:,.0f} /s "
        f"| {submit / select:.2f} |"
    )


if __name__ == "__main__":
    asyncio.run(main())
