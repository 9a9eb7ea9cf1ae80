"""Exporting a list view to XLSX through the export job's own path, at 10k / 100k / 1M
rows, and importing 10,000 rows through the import job's own path.

Export: `lists.export.write_export`, what the `export_list` job runs (the view's
keyset in batches of 1,000, each in a unit of work of its own with RLS on,
cells made per row, XlsxWriter constant_memory into a temporary file), over
the service items of one tenant (`public_index`: 9 columns). Baseline in the
same run, the same rows: the bare writer (`spreadsheets.exporting.write_xlsx`)
from an in-memory list of those rows' cells (read from the database first, not
timed). Each measurement runs in a fresh Python process (`--child`), whose
peak RSS (`ru_maxrss`) minus its RSS right before the work is the growth; so
"cold" here means a fresh process, with PostgreSQL's caches warm.

The rows are copies of the tenant's sample service items, inserted by SQL with
their own numbers (`bench-…`) and names, and deleted at the end.

Import: an XLSX of 10,000 service items (the columns a clerk fills), read by
`read_xlsx` and written by `records.imports.import_rows` (each row through
`RecordService.create` in a savepoint of one unit: schema, rules, history,
audit, an idempotency key per row), as the `import_sheet` job does. Then the
same sheet with one bad row: zero rows written. Baseline: the same rows'
data inserted into a plain table by one `executemany` in one transaction.

    eval "$(scripts/services.sh env test)"
    uv run python bench/exports.py [--sizes 10000,100000,1000000] [--import-rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
import xlsxwriter
from records_create import admin_sql

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.lists.export import CellMaker, ExportAsked, columns_of, write_export
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.imports import Discard, import_fields, import_rows
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import EffectiveIds, RecordService, Viewer
from yiwang.runtime.spreadsheets.exporting import write_xlsx
from yiwang.runtime.spreadsheets.importing import read_xlsx
from yiwang.tenants.tree import TenantTree

TYPE = "service_item"
VIEW = "public_index"
TENANT = "620102"
#: imports: the province's power list (no field a cell cannot hold is required there)
IMPORT_TYPE = "power_item"
IMPORT_TENANT = "620000"
STAFF = Viewer(False, None)


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Services:
    def __init__(self) -> None:
        settings = Settings.from_env()
        self.engine = create_engine(settings.database_url, pool_size=2)
        self.cache = Cache(settings.redis_url)
        self.sessions = session_factory(self.engine)
        self.seal = PiiSeal(IdentitySettings.from_env(settings).cipher())
        self.models = ModelCache(self.cache)
        self.ids = EffectiveIds()

    async def tree(self) -> TenantTree:
        async with unit_of_work(self.sessions, actor="bench") as uow:
            return await TenantTree.load(uow.session)

    async def close(self) -> None:
        await self.cache.close()
        await self.engine.dispose()


async def child_export(mode: str, out: Path) -> dict[str, Any]:
    services = Services()
    tree = await services.tree()
    node = tree.node(TENANT)

    @asynccontextmanager
    async def open_lists() -> AsyncIterator[ListService]:
        scope = TenantScope.single(node.id)
        async with unit_of_work(services.sessions, actor="bench", scope=scope) as uow:
            yield ListService(uow, tree, services.models, services.seal)

    asked = ExportAsked(node.id, TYPE, {"view": [VIEW]}, "xlsx", False, None, False)

    async def progress(done: int, total: int) -> None:
        return None

    try:
        if mode == "export":
            start_rss = rss_mib()
            started = time.perf_counter()
            written = await write_export(
                open_lists, asked, out, progress=progress, today=date(2026, 12, 1)
            )
            seconds = time.perf_counter() - started
            rows = written.rows
        else:
            # the same rows' cells, held in a list first (not timed), then the bare writer
            held: list[dict[str, Any]] = []
            async with open_lists() as lists:
                prepared = await lists.prepare(TYPE, {"view": [VIEW]}, viewer=STAFF)
            from dataclasses import replace

            prepared = replace(prepared, plan=replace(prepared.plan, limit=1000))
            maker = CellMaker(prepared.document, prepared.plan.view)
            after = None
            while True:
                async with open_lists() as lists:
                    items, after = await lists.rows(prepared, viewer=STAFF, after=after)
                held.extend(maker.row(i) for i in items)
                if after is None:
                    break
            columns = columns_of(prepared.document, prepared.plan.view)
            start_rss = rss_mib()
            started = time.perf_counter()
            rows = write_xlsx(held, columns, out)
            seconds = time.perf_counter() - started
        return {
            "rows": rows,
            "seconds": seconds,
            "rss_start": start_rss,
            "rss_peak": peak_mib(),
        }
    finally:
        await services.close()


def run_child(mode: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "x.xlsx"
        done = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--out", str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["bytes"] = out.stat().st_size
    return result


def fill_to(count: int) -> int:
    """Copy the tenant's service items until it holds `count` live ones."""
    have = int(
        admin_sql(
            "SELECT count(*) FROM records r JOIN tenants t ON t.id = r.tenant_id"
            f" WHERE t.code = '{TENANT}' AND r.type_key = '{TYPE}' AND r.deleted_at IS NULL"
        )
    )
    missing = count - have
    if missing > 0:
        # five sample items, picked once, copied round-robin
        admin_sql(
            "INSERT INTO records (tenant_id, id, type_key, status, number, department, data,"
            " effective_id, created_by, updated_by)"
            " WITH s AS (SELECT r.*, row_number() OVER (ORDER BY r.id) - 1 AS k"
            " FROM records r JOIN tenants t ON t.id = r.tenant_id"
            f" WHERE t.code = '{TENANT}' AND r.type_key = '{TYPE}' AND r.created_by <> 'bench'"
            " AND r.deleted_at IS NULL ORDER BY r.id LIMIT 5),"
            " n AS (SELECT count(*) AS c FROM s)"
            " SELECT s.tenant_id, nextval('records_id_seq'), s.type_key, s.status,"
            f" 'bench-' || ({have} + g), s.department,"
            " jsonb_set(s.data, '{task_name}',"
            " to_jsonb((s.data->>'task_name') || '（' || g || '）')),"
            " s.effective_id, 'bench', 'bench'"
            " FROM generate_series(1, " + str(missing) + ") g, n, s WHERE s.k = g % n.c"
        )
    return max(have, count)


def remove_bench_rows() -> None:
    admin_sql("DELETE FROM records WHERE number LIKE 'bench-%' AND created_by = 'bench'")


# --- import --------------------------------------------------------------------


async def import_bench(rows: int) -> dict[str, Any]:
    services = Services()
    tree = await services.tree()
    node = tree.node(IMPORT_TENANT)
    scope = TenantScope.single(node.id)
    async with unit_of_work(services.sessions, actor="bench", scope=scope) as uow:
        records = RecordService(uow, tree, services.models, services.seal, services.ids)
        document = RecordService.item_document(await records.model(), IMPORT_TYPE)
        sample = await uow.session.execute(
            __import__("sqlalchemy").text(
                "SELECT data FROM records WHERE tenant_id = :t AND type_key = :k"
                " AND number NOT LIKE 'bench-%' AND deleted_at IS NULL ORDER BY id LIMIT 1"
            ),
            {"t": node.id, "k": IMPORT_TYPE},
        )
        template: dict[str, Any] = sample.scalar_one()
    fields = {f.key: f for f in import_fields(document)}
    keys = [k for k in template if k in fields and k not in ("number", "status", "tenant")]
    tag = uuid.uuid4().hex[:6]
    run_tag = tag  # set per sheet below

    def row_data(n: int) -> dict[str, Any]:
        # every sheet its own codes (the unique rule counts the earlier sheet's records)
        prefix = str(template["task_code"])[:19] + f"{int(run_tag, 16) % 100_000:05d}"
        return {
            **template,
            "task_name": f"导入测试{tag}-{run_tag}-{n}",
            "task_code": f"{prefix}{n:07d}",
        }

    def sheet(bad_at: int | None) -> bytes:
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": False})
        ws = book.add_worksheet()
        for c, k in enumerate(keys):
            ws.write_string(0, c, fields[k].label)
        for r in range(rows):
            # the bad row repeats the first row's code: the unique rule refuses it
            data = row_data(0 if r == bad_at else r)
            if r == bad_at:
                data["task_name"] = f"导入测试{tag}-{r}"
            for c, k in enumerate(keys):
                v = data.get(k)
                kind = document["fields"][k]["type"]
                if v is None:
                    continue
                if kind == "money":
                    ws.write_number(r + 1, c, v / 100)
                elif isinstance(v, bool):
                    ws.write_string(r + 1, c, "是" if v else "否")
                elif isinstance(v, int | float):
                    ws.write_number(r + 1, c, v)
                elif isinstance(v, list):
                    ws.write_string(r + 1, c, "、".join(map(str, v)))
                else:
                    ws.write_string(r + 1, c, str(v))
        book.close()
        return out.getvalue()

    def count_imported() -> int:
        """The records of this sheet (its run tag) now stored."""
        return int(
            admin_sql(
                "SELECT count(*) FROM records"
                f" WHERE data->>'task_name' LIKE '导入测试{tag}-{run_tag}-%'"
            )
        )

    results: dict[str, Any] = {"rows": rows}
    for label, bad_at in (("import", None), ("import_one_bad_row", rows // 2)):
        run_tag = uuid.uuid4().hex[:6]
        data = sheet(bad_at)
        started = time.perf_counter()
        parsed = read_xlsx(data, list(fields.values()))
        status = "imported"
        try:
            async with unit_of_work(
                services.sessions, actor="bench-import", scope=scope, account_id=None
            ) as uow:
                records = RecordService(uow, tree, services.models, services.seal, services.ids)
                outcome = await import_rows(
                    records, IMPORT_TYPE, parsed, document, import_id=uuid.uuid4().hex, viewer=STAFF
                )
        except Discard as discarded:
            outcome = discarded.outcome
            status = "invalid"
        seconds = time.perf_counter() - started
        results[label] = {
            "seconds": seconds,
            "status": status,
            "problems": len(outcome.problems),
            "first_problem": outcome.problems[0].as_dict()["message"] if outcome.problems else None,
            "written_after": count_imported(),
        }
    # baseline: the same rows' data into a plain table, one executemany, one transaction
    url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    owner = os.environ["MIGRATION_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(owner) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_import (id bigserial PRIMARY KEY, data jsonb)"
        )
        conn.execute("GRANT ALL ON bench_import, bench_import_id_seq TO yiwang_app")
    payload = [(json.dumps(row_data(n), ensure_ascii=False),) for n in range(rows)]
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_import (data) VALUES (%s::jsonb)", payload)
        conn.commit()
        results["baseline_executemany"] = {"seconds": time.perf_counter() - started}
    with psycopg.connect(owner) as conn:
        conn.execute("DROP TABLE bench_import")
    # history and idempotency answers refer to them: soft-deleted, out of every list
    admin_sql(
        "UPDATE records SET deleted_at = now(), deleted_by = 'bench'"
        f" WHERE data->>'task_name' LIKE '导入测试{tag}-%'"
    )
    await services.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child_export(args.child, Path(args.out)))))
        return
    report: dict[str, Any] = {"export": []}
    try:
        for size in (int(s) for s in args.sizes.split(",") if s):
            total = fill_to(size)
            for mode in ("export", "bare"):
                got = run_child(mode)
                got.update(mode=mode, size=total)
                report["export"].append(got)
                print(json.dumps(got), flush=True)
    finally:
        remove_bench_rows()
    if args.import_rows:
        report["import"] = asyncio.run(import_bench(args.import_rows))
        print(json.dumps(report["import"], ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
