"""PostgreSQL alone: the statement that opens a case, N times through pgbench, with the
rollup's triggers counting and deferred, at 1 and at 10 connections.

    eval "$(scripts/services.sh env test)"; uv run python bench/case_statement.py

No Python on the path of a case: pgbench (`-M prepared`) sends, per transaction, the
scope (`set_config` of the tenant, as the unit of work does), then one statement
shaped as `open_case` is (the day's counter upserted, the case row, its events,
outbox rows and tasks as data-modifying CTEs, from JSON documents as the application
sends them), copying the newest case of 城关区 that the application made
(`records_create.py` leaves them, and makes five on a fresh database; kept in the table
`bench_case_template`), then COMMIT. "deferred" sets `yiwang.rollup_deferred` (the
seeder's switch, which skips the rollups' INSERT triggers) in the same `set_config`:
the difference is what the rollups cost. `--queued`: a third variant, in which the
submitters of a tenant first queue on a transaction-level advisory lock, so that a
commit wakes one waiter for the counter's row instead of all of them. For each
run it reads the CPU of the cluster's application backends from `/proc` (`utime +
stime`, as `bench/pg_cpu.py` does) and divides it by the cases made. The runs
alternate (`--rounds`); each writes real cases (numbered `BENCH-…` on the counter of
2099-01-01), so run it on a bench database, not one a suite needs.
Options: `--seconds`, `--rounds`, `--connections` (default 1,10).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pg_cpu  # bench/ is on the path of a script run from it

TENANT = "620102"
USER = os.environ.get("DATABASE_URL", "//yiwang_app:").split("//", 1)[1].split(":", 1)[0]
CASE_COLUMNS = (
    "record_id, service_item, issuer_name, issuer_code, form_key, route_key, route_version,"
    " route_definition, form_data, state, version, status, submitter, submitted_at, updated_at,"
    " statutory_due, promised_due, statutory_left, promised_left, warn_on, colour, next_check"
)
EVENT_COLUMNS = "seq, kind, actor, at, step, task, comment, attachments, data"
OUTBOX_COLUMNS = "kind, payload, created_at"
TASK_COLUMNS = "task, step, role, department, assignee, opened_at, due_on"


def _timeline(table: str, columns: str, source: str) -> str:
    picked = ", ".join(f"x.{c.strip()}" for c in columns.split(","))
    return (
        f"INSERT INTO {table} (tenant_id, case_id, {columns})"
        f" SELECT :tenant, m.id, {picked} FROM made m, bench_case_template b,"
        f" jsonb_populate_recordset(NULL::{table}, b.{source}) x"
    )


def script(deferred: bool, queued: bool = False) -> str:
    """pgbench's transaction: the scope, the case statement, COMMIT. `queued`: the
    submitters of a tenant queue on an advisory lock before the counter's row."""
    cols = ", ".join(c.strip() for c in CASE_COLUMNS.split(",") if c.strip() != "record_id")
    picked = ", ".join(f"r.{c.strip()}" for c in cols.split(","))
    opening = (
        "WITH serial AS ("
        " INSERT INTO case_counters (tenant_id, day, last)"
        + (
            " SELECT :tenant, '2099-01-01', 1"
            " FROM (SELECT pg_advisory_xact_lock(7391002, :tenant)) q"
            if queued
            else " VALUES (:tenant, '2099-01-01', 1)"
        )
        + " ON CONFLICT (tenant_id, day) DO UPDATE SET last = case_counters.last + 1"
        " RETURNING last),"
        f" made AS (INSERT INTO cases (tenant_id, number, {cols})"
        f" SELECT :tenant, 'BENCH-' || s.last, {picked} FROM serial s, bench_case_template b,"
        " jsonb_populate_record(NULL::cases, b.one) r RETURNING id),"
        f" events AS ({_timeline('case_events', EVENT_COLUMNS, 'events')}),"
        f" outbox AS ({_timeline('case_outbox', OUTBOX_COLUMNS, 'outbox')}),"
        f" tasks AS ({_timeline('case_tasks', TASK_COLUMNS, 'tasks')})"
        " SELECT id FROM made;"
    )
    scope = (
        "SELECT set_config('yiwang.tenant_id', CAST(:tenant AS text), true),"
        " set_config('yiwang.visible_tenants', '{' || :tenant || '}', true),"
        f" set_config('yiwang.rollup_deferred', '{'on' if deferred else 'off'}', true);"
    )
    return f"BEGIN;\n{scope}\n{opening}\nCOMMIT;\n"


def template(tenant: int, case_id: int) -> None:
    """The template case as the application sends it: one row of JSON documents."""
    mine = f"tenant_id = {tenant} AND case_id = {case_id}"
    pg_cpu.psql(
        "DROP TABLE IF EXISTS bench_case_template;"
        " CREATE TABLE bench_case_template AS SELECT"
        f" (SELECT to_jsonb(c) FROM cases c WHERE tenant_id = {tenant} AND id = {case_id}) AS one,"
        f" (SELECT jsonb_agg(to_jsonb(e)) FROM case_events e WHERE {mine}) AS events,"
        f" (SELECT jsonb_agg(to_jsonb(o)) FROM case_outbox o WHERE {mine}) AS outbox,"
        f" (SELECT jsonb_agg(to_jsonb(k)) FROM case_tasks k WHERE {mine}) AS tasks;"
        f" GRANT SELECT ON bench_case_template TO {USER};"
        " ANALYZE bench_case_template;"  # one row: guessed at 520, the plan was JIT-compiled
    )


def dsn() -> str:
    return os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def run(
    deferred: bool, queued: bool, connections: int, seconds: int, tenant: int
) -> dict[str, float]:
    """One pgbench run: cases per second, mean latency, backend CPU per case."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script(deferred, queued))
    master = pg_cpu.postmaster()
    command = ["pgbench", "-n", "-M", "prepared", "-f", f.name, "-c", str(connections)]
    command += ["-j", str(min(connections, 2)), "-T", str(seconds)]
    command += ["-D", f"tenant={tenant}", dsn()]
    bench = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last: dict[int, int] = {}
    while bench.poll() is None:  # the backends end with pgbench's connections: sampled
        for pid in pg_cpu.tree(master, pg_cpu.children()) - {master}:
            if pg_cpu.title(pid).startswith(f"postgres: {USER} "):
                last[pid] = max(last.get(pid, 0), pg_cpu.ticks(pid))
        time.sleep(0.05)
    out = bench.stdout.read() if bench.stdout else ""
    os.unlink(f.name)
    if bench.returncode:
        raise SystemExit(out)
    made = int(re.search(r"number of transactions actually processed: (\d+)", out)[1])
    latency = float(re.search(r"latency average = ([\d.]+) ms", out)[1])
    tps = float(re.search(r"tps = ([\d.]+)", out)[1])
    cpu = sum(last.values()) * pg_cpu.TICK_MS / max(made, 1)
    return {"cases": made, "tps": tps, "latency_ms": latency, "cpu_ms": cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", default="1,10")
    parser.add_argument("--queued", action="store_true", help="also with an advisory queue")
    args = parser.parse_args()
    tenant = int(pg_cpu.psql(f"SELECT id FROM tenants WHERE code = '{TENANT}'")[0][0])
    found = pg_cpu.psql(
        f"SELECT id FROM cases WHERE tenant_id = {tenant} AND record_id IS NOT NULL"
        " ORDER BY id DESC LIMIT 1"
    )
    if not found:  # a fresh database (`make bench`): the application makes a few
        here = Path(__file__).resolve().parent
        subprocess.run(
            [sys.executable, str(here / "records_create.py"), "--in-process", "5"],
            check=True,
            capture_output=True,
        )
        found = pg_cpu.psql(
            f"SELECT id FROM cases WHERE tenant_id = {tenant} AND record_id IS NOT NULL"
            " ORDER BY id DESC LIMIT 1"
        )
    template(tenant, int(found[0][0]))
    variants = [("counting", False, False), ("deferred", True, False)]
    if args.queued:
        variants.append(("counting, queued on an advisory lock", False, True))
    found_rows: dict[tuple[int, str], list[dict[str, float]]] = {}
    for n in range(args.rounds):
        for connections in (int(c) for c in args.connections.split(",")):
            for label, deferred, queued in variants:
                row = run(deferred, queued, connections, args.seconds, tenant)
                found_rows.setdefault((connections, label), []).append(row)
                print(f"round {n + 1}, {connections} conn, {label}: {row}", flush=True)
    print(f"{args.rounds} alternating rounds of {args.seconds} s, load {pg_cpu.load()} (medians)")
    print("| connections | rollup triggers | cases/s | latency ms | backend CPU ms per case |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for (connections, label), rows in found_rows.items():
        cells = " | ".join(
            f"{statistics.median(r[k] for r in rows):.{d}f}"
            for k, d in (("tps", 0), ("latency_ms", 2), ("cpu_ms", 3))
        )
        print(f"| {connections} | {label} | {cells} |")


if __name__ == "__main__":
    main()
