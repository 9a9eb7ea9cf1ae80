"""Time to onboard the 103-tenant Gansu tree with its departments and calendar.

Each repetition runs on a fresh scratch database (migrated first, not timed).
The baseline, measured in the same run, is a bare bulk insert of the same
number of rows into a temporary table: the cost of the rows themselves, without
checks, RLS contexts or audit records.
Run with the test services up:
    eval "$(scripts/services.sh env test)"; uv run python bench/onboard.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import replace

import psycopg
from sqlalchemy import text

from yiwang.platform import migrate
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.tenants.onboarding import service as onboarding

REPEAT = 3
SCRATCH = "yiwang_bench_onboard"


def _swap_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def fresh_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER yiwang_owner")


async def one_run(settings: Settings) -> tuple[float, float, dict[str, object]]:
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)
    raw = (settings.templates_root / "gansu-divisions.csv").read_bytes()
    start = time.perf_counter()
    async with sessions() as session, session.begin():
        result = await onboarding.onboard(
            session,
            divisions=raw,
            template_name="gansu",
            templates_root=settings.templates_root,
            actor="bench",
        )
    elapsed = time.perf_counter() - start
    rows = len(result.tenants_created) + result.departments_created + result.calendar_days_created
    start = time.perf_counter()
    async with sessions() as session, session.begin():
        await session.execute(
            text("CREATE TEMP TABLE bulk (a bigint, b text, c text) ON COMMIT DROP")
        )
        await session.execute(
            text("INSERT INTO bulk VALUES (:a, :b, :c)"),
            [{"a": i, "b": "发展和改革委员会", "c": "fgw"} for i in range(rows)],
        )
    baseline = time.perf_counter() - start
    await engine.dispose()
    return elapsed, baseline, result.as_dict()


def main() -> None:
    admin = os.environ["YIWANG_PG_ADMIN_URL"]
    base = Settings.from_env()
    settings = replace(
        base,
        database_url=_swap_db(base.database_url, SCRATCH),
        migration_database_url=_swap_db(base.migration_database_url, SCRATCH),
    )
    times, baselines = [], []
    summary: dict[str, object] = {}
    for _ in range(REPEAT):
        fresh_database(admin)
        migrate.upgrade(settings)
        elapsed, baseline, summary = asyncio.run(one_run(settings))
        times.append(elapsed)
        baselines.append(baseline)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    t, b = statistics.median(times), statistics.median(baselines)
    print(f"rows: {summary}")
    print("| measure | median (s) | ratio to bulk insert |")
    print("| --- | --- | --- |")
    print(f"| onboard Gansu (103 tenants, departments, calendar) | {t:.2f} | {t / b:.1f} |")
    print(f"| bulk insert of the same row count (baseline) | {b:.3f} | 1.0 |")


if __name__ == "__main__":
    main()
