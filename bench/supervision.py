"""Supervision queries at the seeded size: p95 of each metric query for the province
and for one county, and of a cross-tenant filtered list page, each next to a
baseline measured in the same run, interleaved sample by sample.

Against the test services with cases seeded (`yiwang bench seed --cases N`).
Every sample is one unit of work in the scope a `/subtree/` route gets (the
province's or the county's), through `SupervisionService`, as the API calls it:

- metrics (`by=tenant`, one month): the monthly rollup's rows of the scope and
  month, the "now" counts and the list counts (migration 0016), against the
  baseline `count(*)` of the same scope's cases in the same month (the floor of
  any direct count: reading those rows at all);
- the direct counts the rollup replaced (`cross_tenant_metric_rows_direct`, the
  reference the exactness test compares with), for the county, against the
  rollup path in the same run;
- cross-tenant page (`filter.status.in=in_review,submitted`, `filter.colour=red`,
  newest first, 100 rows, province scope), against the baseline of one
  tenant's first 100 cases by primary key (`ORDER BY id DESC LIMIT 100`).

"Warm": each query ran twice before timing (shared buffers hold what it reads).

    uv run python bench/supervision.py [--runs 40] [--county 620102] [--period 2026-11]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision import cross_tenant
from yiwang.runtime.supervision.errors import SupervisionTimedOut
from yiwang.runtime.supervision.periods import parse_period
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    """Milliseconds; a query stopped by its statement timeout counts as infinite."""
    started = time.perf_counter()
    try:
        await call()
    except SupervisionTimedOut:
        return float("inf")
    return (time.perf_counter() - started) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--county", default="620102")
    parser.add_argument("--period", default="2026-11")
    args = parser.parse_args()
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=4)
    sessions = session_factory(engine)
    async with sessions() as session:
        tree = await TenantTree.load(session)
    root = tree.roots[0]
    scopes = {
        "province": TenantScope.subtree(root.id, tree.subtree_ids(root.code)),
        "county": TenantScope.single(tree.node(args.county).id),
    }
    period = parse_period(args.period)

    def metric(scope: TenantScope) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                return await SupervisionService(uow, tree).metrics(
                    {"period": [args.period], "by": ["tenant"]}
                )

        return call

    def count(scope: TenantScope) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                return await uow.session.scalar(
                    text(
                        "SELECT count(*) FROM cases WHERE tenant_id = ANY(:ids)"
                        " AND submitted_at >= :a AND submitted_at < :b"
                    ),
                    {
                        "ids": list(scope.visible_tenant_ids),
                        "a": period.starts_at,
                        "b": period.ends_at,
                    },
                )

        return call

    async def page() -> Any:
        async with unit_of_work(sessions, actor="bench", scope=scopes["province"]) as uow:
            return await SupervisionService(uow, tree).cross_tenant_cases(
                {
                    "filter.status.in": ["in_review,submitted"],
                    "filter.colour": ["red"],
                    "limit": ["100"],
                }
            )

    county_id = tree.node(args.county).id

    def direct(scope: TenantScope) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                return await cross_tenant.cross_tenant_metric_rows_direct(
                    uow.session, sorted(scope.visible_tenant_ids), period
                )

        return call

    async def pk_page() -> Any:
        async with unit_of_work(sessions, actor="bench", scope=scopes["county"]) as uow:
            return (
                await uow.session.execute(
                    text("SELECT * FROM cases WHERE tenant_id = :t ORDER BY id DESC LIMIT 100"),
                    {"t": county_id},
                )
            ).all()

    pairs = {
        "metrics, province": (metric(scopes["province"]), count(scopes["province"])),
        "metrics, county": (metric(scopes["county"]), count(scopes["county"])),
        "cross-tenant page, province": (page, pk_page),
        "metrics, county, direct counts (against the rollup)": (
            direct(scopes["county"]),
            metric(scopes["county"]),
        ),
    }
    async with sessions() as session:
        total = await session.scalar(
            text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases'")
        )
    print(f"cases (estimate): {total}, tenants: {len(tree.by_id)}, period {args.period}")
    print("| query | p95 ms | baseline p95 ms | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name, (subject, baseline) in pairs.items():
        for _ in range(2):
            await timed(subject)
            await timed(baseline)
        a: list[float] = []
        b: list[float] = []
        for _ in range(args.runs):
            a.append(await timed(subject))
            b.append(await timed(baseline))
        print(
            f"| {name} | {p95(a):.1f} | {p95(b):.1f} | {p95(a) / p95(b):.1f} |"
            f"  (median {statistics.median(a):.1f} / {statistics.median(b):.1f})"
        )
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
