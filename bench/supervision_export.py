"""The province's cross-tenant case export through the `supervision.export` job's own
path, against `COPY (query) TO STDOUT` of the same rows as the baseline.

Job path: `supervision.exports.write_export`, what the job runs: a count of the query
for the progress, then steps of `EXPORT_BATCH` (2,000) rows by primary key, each in a
unit of work of its own in the province's subtree scope (row-level security on), the
rows made flat with their tenant, written to CSV (or XLSX, XlsxWriter constant_memory)
in a temporary file. Baseline, same run, same rows: one `COPY (SELECT …) TO STDOUT
(FORMAT csv, HEADER)` of the export's own statement (no step, no limit per unit) in one
transaction with the same scope, streamed by psycopg to a file. Each measurement runs
in a fresh Python process (`--child`); memory is its peak RSS (`ru_maxrss`), and the
growth over its RSS right before the work.

The cases are the seeder's: `uv run yiwang bench seed --cases 1000000` first.

    eval "$(scripts/services.sh env test)"
    nice -n 19 uv run python bench/supervision_export.py [--format csv|xlsx] [--limit N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope, begin_statement
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision.cross_tenant.fields import cases, facts_join, row_columns
from yiwang.runtime.supervision.exports import SupervisionExportAsked, write_export
from yiwang.runtime.supervision.exports.writing import export_query
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree

PROVINCE = "620000"


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _params(limit: int) -> dict[str, list[str]]:
    return {"limit": [str(limit)]}


async def province_reader() -> tuple[
    AsyncEngine, async_sessionmaker[AsyncSession], TenantTree, TenantScope
]:
    """An engine on the environment's database, the tree, and the province's subtree scope."""
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)
    async with unit_of_work(sessions, actor="bench") as uow:
        tree = await TenantTree.load(uow.session)
    province = tree.node(PROVINCE)
    scope = TenantScope.subtree(province.id, [n.id for n in tree.descendants(PROVINCE)])
    return engine, sessions, tree, scope


async def child(mode: str, fmt: str, limit: int, out: Path) -> dict[str, Any]:
    engine, sessions, tree, scope = await province_reader()
    params = _params(limit)
    try:
        if mode == "job":

            @asynccontextmanager
            async def open_service() -> AsyncIterator[SupervisionService]:
                async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                    yield SupervisionService(uow, tree)

            async def progress(done: int, total: int) -> None:
                return None

            asked = SupervisionExportAsked.of(scope, params, fmt)
            start_rss = rss_mib()
            started = time.perf_counter()
            written = await write_export(
                open_service, asked, out, progress=progress, today=date(2026, 12, 2)
            )
            seconds = time.perf_counter() - started
            rows = written.rows
        else:
            query = export_query(params)
            ids = literal_column(f"'{scope.visible_literal()}'::bigint[]")
            stmt = (
                select(*row_columns(query))
                .select_from(facts_join())
                .where(cases.c.tenant_id == func.any(ids))
                .order_by(cases.c.tenant_id, cases.c.id)
                .limit(query.limit)
            )
            sql = str(
                stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            )
            url = Settings.from_env().database_url.replace("postgresql+psycopg://", "postgresql://")
            start_rss = rss_mib()
            started = time.perf_counter()
            with psycopg.connect(url) as conn, out.open("wb") as f:
                conn.execute(begin_statement(scope).decode().removeprefix("BEGIN; "))
                with conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                    for chunk in copy:
                        f.write(chunk)
            seconds = time.perf_counter() - started
            with out.open("rb") as f:
                rows = sum(1 for _ in f) - 1
    finally:
        await engine.dispose()
    return {
        "mode": mode,
        "rows": rows,
        "seconds": round(seconds, 2),
        "peak_mib": round(peak_mib(), 1),
        "growth_mib": round(peak_mib() - start_rss, 1),
    }


def run_child(mode: str, fmt: str, limit: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-supervision-export-") as folder:
        out = Path(folder) / f"export.{'csv' if mode == 'copy' else fmt}"
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                mode,
                "--format",
                fmt,
                "--limit",
                str(limit),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        found["bytes"] = out.stat().st_size
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="csv", choices=("csv", "xlsx"))
    parser.add_argument("--limit", type=int, default=1_000_000)
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, args.format, args.limit, Path(args.out)))))
        return
    print(f"load average before: {os.getloadavg()}")
    results = [
        run_child("copy", args.format, args.limit),
        run_child("job", args.format, args.limit),
    ]
    print(f"load average after: {os.getloadavg()}")
    print("| path | rows | seconds | ratio to COPY | bytes | peak RSS (MiB) | growth (MiB) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    base = results[0]["seconds"]
    for r in results:
        print(
            f"| {r['mode']} | {r['rows']:,} | {r['seconds']} | {r['seconds'] / base:.1f} |"
            f" {r['bytes']:,} | {r['peak_mib']} | {r['growth_mib']} |"
        )


if __name__ == "__main__":
    main()
