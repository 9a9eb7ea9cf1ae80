"""Cases: one transition with its audit and outbox rows, and the deadline sweep over N open cases.

Against the test services (`scripts/services.sh start test`, the Gansu tree and
the base model bootstrapped, as `make bench` does). Every figure sits next to a
baseline measured in the same run, interleaved sample by sample:

- transition: `CasesService.act` (an accept: row lock, engine, compare-and-set
  update, timeline + outbox rows per event, open tasks, one audit record) in
  its own unit of work, against a unit of work that does the floor of that
  shape: lock and update the same kind of row and append one audit record.
  Median of `--transitions` single units (each is milliseconds: the timer's
  cost is nothing). Also counted: the statements each sends (cursor
  executions, plus the COMMIT), the round trips that dominate on loopback.
- sweep: `sweep(uow, tree, now)` over every tenant, with N open cases seeded in
  one tenant of which `--due` per mille have reached their yellow day, against
  an UPDATE of the same rows by primary key that changes the same columns
  (the floor of touching those rows) and against the sweep of the same tenant
  when no case is due (what the quiet cases cost). Per-case constancy: the time
  per changed case for each N.

"Warm": the process has run one transition and one sweep before timing.
Beside each wall-clock median, the median CPU time of this process per unit
(`time.process_time`): on a shared machine the wall clock mostly measures the
neighbours, the CPU what a transition costs its worker. `--profile FILE` writes
cProfile's stats of the timed transitions, on CPU time (`python -m pstats FILE`).

    uv run python bench/cases.py [--sizes 10000 100000 1000000] [--transitions 200]
        [--profile FILE]
    uv run python bench/cases.py --against OTHER/src [--rounds 3] [--transitions 200]

`--against SRC`: the transitions only, in fresh processes alternating between this
checkout's package and the package at SRC (e.g. `git worktree add` of main), rounds
interleaved, a table of both and the ratio this / against of their medians.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, text

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.china_time import CHINA_TIME as CHINA
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.cases.sweep import sweep
from yiwang.runtime.routes.actions import Accept, Actor
from yiwang.tenants.tree import TenantTree

CODE = "620102"


def admin_dsn() -> str:
    dsn = os.environ["YIWANG_PG_ADMIN_URL"]
    return dsn.rsplit("/", 1)[0] + "/yiwang"


async def bench_transitions(
    sessions: Any, tree: TenantTree, runs: int, tag: str, profile: str | None = None
) -> dict[str, float]:
    models, specs = ModelCache(None), RouteSpecs()
    tenant = tree.node(CODE)
    scope = TenantScope.single(tenant.id)
    citizen = Actor(id=f"bench-{tag}", tenant=CODE, roles=frozenset({"citizen"}))
    clerk = Actor(id=f"clerk-{tag}", tenant=CODE, roles=frozenset({"window_clerk"}))
    app = Application(
        service_item="SI-BENCH",
        form="application",
        route="standard",
        implementing_department="scjgj",
    )
    numbers = []
    for _ in range(runs + 2):
        async with unit_of_work(sessions, actor=citizen.id, scope=scope) as uow:
            numbers.append(
                (await CasesService(uow, tree, models, specs).open(CODE, app, citizen)).number
            )

    cpu: dict[str, list[int]] = {"transition": [], "floor": []}
    profiler = cProfile.Profile(time.process_time) if profile else None

    async def transition(number: str) -> int:
        if profiler is not None:
            profiler.enable()
        start, used = time.perf_counter_ns(), time.process_time_ns()
        async with unit_of_work(sessions, actor=clerk.id, scope=scope) as uow:
            await CasesService(uow, tree, models, specs).act(CODE, number, Accept(), clerk)
        cpu["transition"].append(time.process_time_ns() - used)
        if profiler is not None:
            profiler.disable()
        return time.perf_counter_ns() - start

    async def floor(number: str) -> int:
        start, used = time.perf_counter_ns(), time.process_time_ns()
        async with unit_of_work(sessions, actor=clerk.id, scope=scope) as uow:
            await uow.session.execute(
                text("SELECT id FROM cases WHERE tenant_id = :t AND number = :n FOR UPDATE"),
                {"t": tenant.id, "n": number},
            )
            await uow.session.execute(
                text("UPDATE cases SET updated_at = now() WHERE tenant_id = :t AND number = :n"),
                {"t": tenant.id, "n": number},
            )
            await uow.audit(
                action="bench.floor", object_type="case", object_id=number, tenant_id=tenant.id
            )
        cpu["floor"].append(time.process_time_ns() - used)
        return time.perf_counter_ns() - start

    await transition(numbers[0])  # warm: specs, calendar path, prepared statements
    cpu["transition"].clear()
    if profiler is not None:
        profiler = cProfile.Profile(time.process_time)
    ours, base = [], []
    for number in numbers[1:-1]:
        base.append(await floor(number))
        ours.append(await transition(number))
    t, b = statistics.median(ours), statistics.median(base)
    cpu_t, cpu_b = statistics.median(cpu["transition"]), statistics.median(cpu["floor"])
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
        profiler = None
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sync_engine = sessions.kw["bind"].sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        await floor(numbers[-1])
        floor_statements = len(seen) + 1  # and the COMMIT
        seen.clear()
        await transition(numbers[-1])
        statements = len(seen) + 1
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    return {
        "transition_ms": t / 1e6,
        "floor_ms": b / 1e6,
        "ratio": t / b,
        "cpu_transition_ms": cpu_t / 1e6,
        "cpu_floor_ms": cpu_b / 1e6,
        "cpu_ratio": cpu_t / cpu_b,
        "statements": statements,
        "floor_statements": floor_statements,
    }


def seed(
    conn: psycopg.Connection, tenant_id: int, n: int, due_per_mille: int, today: date, tag: str
) -> None:
    """N open cases straight in SQL (as the owner: seeding is not what is measured)."""
    conn.execute(
        """
        INSERT INTO cases (tenant_id, number, service_item, form_key, route_key, route_version,
            route_definition, form_data, state, version, status, submitter, submitted_at,
            updated_at, promised_due, warn_on, colour, next_check)
        SELECT %(t)s, %(tag)s || '-' || g, 'SI', 'application', 'standard', 'v', '{}'::jsonb,
               '{}'::jsonb, '{}'::jsonb, 1, 'in_review', %(sub)s, now(), now(),
               %(today)s::date + 2, %(today)s::date + 1, 'green',
               CASE WHEN g %% 1000 < %(due)s THEN %(today)s::date - 1
                    ELSE %(today)s::date + 1 + (g %% 30) END
        FROM generate_series(1, %(n)s) g
        """,
        {
            "t": tenant_id,
            "tag": f"B{tag}",
            "sub": f"bench-{tag}",
            "today": today,
            "n": n,
            "due": due_per_mille,
        },
    )
    conn.execute("ANALYZE cases")


def purge(conn: psycopg.Connection, tag: str) -> None:
    ids = f"(SELECT id FROM cases WHERE submitter = 'bench-{tag}')"
    for table in ("case_tasks", "case_outbox", "case_events", "case_certificates"):
        conn.execute(f"DELETE FROM {table} WHERE case_id IN {ids}")
    conn.execute(f"DELETE FROM cases WHERE submitter = 'bench-{tag}'")


async def bench_sweep(
    sessions: Any, tree: TenantTree, conn: psycopg.Connection, n: int, due: int, tag: str
) -> dict[str, float]:
    tenant = tree.node(CODE)
    today = date(2027, 6, 1)
    now = datetime(2027, 6, 1, 1, 0, tzinfo=CHINA).astimezone(UTC)
    purge(conn, tag)
    started = time.perf_counter()
    seed(conn, tenant.id, n, due, today, tag)
    seeded_s = time.perf_counter() - started
    due_ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM cases WHERE tenant_id = %s AND submitter = %s AND next_check <= %s",
            (tenant.id, f"bench-{tag}", today),
        ).fetchall()
    ]
    # baseline: the same rows, the same columns, by primary key, in the same kind of unit
    start = time.perf_counter_ns()
    async with unit_of_work(sessions, actor="bench", scope=TenantScope.single(tenant.id)) as uow:
        await uow.session.execute(
            text(
                "UPDATE cases SET colour = 'yellow', next_check = promised_due + 1"
                " WHERE tenant_id = :t AND id = ANY(:ids)"
            ),
            {"t": tenant.id, "ids": due_ids},
        )
        await uow.session.rollback()  # leave the rows for the sweep to find
    floor_ns = time.perf_counter_ns() - start
    start = time.perf_counter_ns()
    async with unit_of_work(sessions, actor="system:cases.sweep") as uow:
        changed = await sweep(uow, tree, now)
    sweep_ns = time.perf_counter_ns() - start
    start = time.perf_counter_ns()
    async with unit_of_work(sessions, actor="system:cases.sweep") as uow:
        again = await sweep(uow, tree, now)  # nothing is due any more: the quiet cost
    quiet_ns = time.perf_counter_ns() - start
    purge(conn, tag)
    return {
        "n": n,
        "seed_s": seeded_s,
        "changed": changed,
        "sweep_ms": sweep_ns / 1e6,
        "floor_ms": floor_ns / 1e6,
        "ratio": sweep_ns / floor_ns,
        "us_per_changed": sweep_ns / 1e3 / max(changed, 1),
        "quiet_ms": quiet_ns / 1e6,
        "again_changed": again,
    }


def compare_transitions(args: argparse.Namespace) -> None:
    """Alternate fresh processes of this checkout and of the package at `--against`
    (another checkout's `src`), the transitions only, and print each side's rows and
    the ratio of their medians."""
    other = Path(tempfile.mkdtemp(prefix="cases-against-"))
    (other / "yiwang").symlink_to(Path(args.against).resolve())
    sides = {"this": os.environ.get("PYTHONPATH", ""), "against": str(other)}
    found: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    command = [sys.executable, __file__, "--sizes", "--json"]
    command += ["--transitions", str(args.transitions)]
    for n in range(args.rounds):
        for side, path in sides.items():
            env = {**os.environ, "PYTHONPATH": path}
            out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            found[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {n + 1} {side}: {json.dumps(found[side][-1])}", file=sys.stderr)
    keys = ("transition_ms", "floor_ms", "ratio", "cpu_transition_ms", "cpu_floor_ms")
    keys += ("cpu_ratio", "statements")
    print(f"{args.rounds} alternating rounds of {args.transitions} transitions (medians)")
    columns = ("transition ms", "floor ms", "ratio", "CPU ms", "floor CPU ms", "CPU ratio")
    print("| run | " + " | ".join(columns) + " | statements |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for side, label in (("against", f"against {args.against}"), ("this", "this checkout")):
        for n, row in enumerate(found[side]):
            print(f"| {label}, round {n + 1} | " + " | ".join(f"{row[k]:.2f}" for k in keys) + " |")
    median = {s: {k: statistics.median(r[k] for r in found[s]) for k in keys} for s in sides}
    ratio = " | ".join(f"{median['this'][k] / median['against'][k]:.2f}" for k in keys)
    print(f"| this / against (medians) | {ratio} |")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=10, help="per mille of cases due")
    parser.add_argument("--transitions", type=int, default=200)
    parser.add_argument(
        "--profile", default=None, metavar="FILE", help="cProfile (CPU time) of the transitions"
    )
    parser.add_argument(
        "--against", default=None, metavar="SRC", help="alternate with the package at SRC"
    )
    parser.add_argument("--rounds", type=int, default=3, help="with --against")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against is not None:
        compare_transitions(args)
        return
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=4)
    sessions = session_factory(engine)
    async with sessions() as session:
        tree = await TenantTree.load(session)
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        try:
            t = await bench_transitions(sessions, tree, args.transitions, tag, args.profile)
            if args.json:
                print(json.dumps(t))
                return
            print(
                f"transition: median {t['transition_ms']:.2f} ms; floor (lock+update+audit) "
                f"{t['floor_ms']:.2f} ms; ratio {t['ratio']:.2f}; CPU {t['cpu_transition_ms']:.2f}"
                f" ms, floor {t['cpu_floor_ms']:.2f} ms, ratio {t['cpu_ratio']:.2f}; statements "
                f"{t['statements']} (floor {t['floor_statements']})"
            )
            for n in args.sizes:
                s = await bench_sweep(sessions, tree, conn, n, args.due, tag)
                print(
                    f"sweep N={n:,}: changed {s['changed']:,} in {s['sweep_ms']:.0f} ms "
                    f"({s['us_per_changed']:.1f} µs/changed case); floor (same rows by key) "
                    f"{s['floor_ms']:.0f} ms, ratio {s['ratio']:.2f}; "
                    f"quiet re-run {s['quiet_ms']:.0f} ms "
                    f"(changed {s['again_changed']}); seeding {s['seed_s']:.1f} s"
                )
        finally:
            purge(conn, tag)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
