"""The cross-tenant export's count and steps under the 5 s statement limit, against the
same count and steps without it (the code before the limit), on the seeder's cases.

Each measurement runs `supervision.cross_tenant`'s own functions as the
`supervision.export` job does, in the province's subtree scope (row-level security
on): the count of the whole query (`cross_tenant_case_total`, at most 1,000,000), then
`--steps` steps of 2,000 rows by primary key (`cross_tenant_case_batch`), each in a
unit of work of its own, as `write_export` opens them. What each unit's
`statement_timeout` was is read back (`SHOW statement_timeout`) after its statements,
so the table says which code ran. Times are wall-clock per unit (the work is the
server's; the client's CPU time is beside it).

The baseline is another checkout (`--base`, e.g. `git worktree add --detach
/tmp/base main` and `uv sync --frozen` there), or without `--base` this checkout with
the limit taken out (`case_reads.limit_time` replaced by nothing, in the baseline's
process only): each round runs one fresh process of each, in alternating order,
against the same database.

    eval "$(scripts/services.sh env test)"
    uv run yiwang bench seed --cases 1000000 --seed 3
    nice -n 10 uv run python bench/export_time_limit.py [--base /tmp/base] [--rounds 5] [--steps 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from supervision_export import province_reader

from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision.cross_tenant import (
    cross_tenant_case_batch,
    cross_tenant_case_total,
)
from yiwang.runtime.supervision.exports import EXPORT_BATCH
from yiwang.runtime.supervision.exports.writing import export_query

PROVINCE = "620000"


async def child(steps: int, unlimited: bool) -> dict[str, Any]:
    if unlimited:  # the baseline in this checkout: the steps and count without the limit
        from yiwang.runtime.supervision.cross_tenant import case_reads

        async def no_limit(session: Any) -> None:
            return None

        case_reads.limit_time = no_limit  # type: ignore[assignment]
    engine, sessions, _, scope = await province_reader()
    ids = list(scope.visible_tenant_ids)
    query = export_query({"limit": ["1000000"]})
    limits: set[str] = set()
    try:
        cpu, started = time.process_time(), time.perf_counter()
        async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
            total = await cross_tenant_case_total(uow.session, ids, query)
            limits.add(str(await uow.session.scalar(text("SHOW statement_timeout"))))
        count_ms = (time.perf_counter() - started) * 1000
        count_cpu_ms = (time.process_time() - cpu) * 1000
        step_ms: list[float] = []
        rows = 0
        after: tuple[int, int] | None = None
        cpu = time.process_time()
        for _ in range(steps):
            started = time.perf_counter()
            async with unit_of_work(sessions, actor="bench", scope=scope) as uow:
                found = await cross_tenant_case_batch(
                    uow.session, ids, query, after=after, size=EXPORT_BATCH
                )
                limits.add(str(await uow.session.scalar(text("SHOW statement_timeout"))))
            step_ms.append((time.perf_counter() - started) * 1000)
            rows += len(found)
            if len(found) < EXPORT_BATCH:
                break
            after = (int(found[-1]["tenant_id"]), int(found[-1]["id"]))
        steps_cpu_ms = (time.process_time() - cpu) * 1000
    finally:
        await engine.dispose()
    return {
        "total": total,
        "count_ms": round(count_ms, 1),
        "count_cpu_ms": round(count_cpu_ms, 1),
        "steps": len(step_ms),
        "rows": rows,
        "step_median_ms": round(statistics.median(step_ms), 2),
        "steps_cpu_ms": round(steps_cpu_ms, 1),
        "statement_timeout": sorted(limits),
    }


def run_child(tree: Path, steps: int, unlimited: bool) -> dict[str, Any]:
    command = [str(tree / ".venv" / "bin" / "python"), __file__, "--child", "--steps", str(steps)]
    done = subprocess.run(
        [*command, *(["--unlimited"] if unlimited else [])],
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the checkout without the limit")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--unlimited", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.steps, args.unlimited))))
        return
    here = Path(__file__).resolve().parent.parent
    trees = {"limited (this checkout)": (here, False)}
    if args.base is not None:
        trees["unlimited (--base)"] = (args.base.resolve(), False)
    else:
        trees["unlimited (this checkout, limit taken out)"] = (here, True)
    print(f"load average before: {os.getloadavg()}")
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for n in range(args.rounds):
        order = list(trees) if n % 2 == 0 else list(reversed(trees))
        for name in order:
            tree, unlimited = trees[name]
            results[name].append(run_child(tree, args.steps, unlimited))
    print(f"load average after: {os.getloadavg()}")
    print(
        "| code | statement_timeout | count: cases | count (ms, median; min–max) |"
        " a step of 2,000 (ms, median of medians) | steps' client CPU (ms, median) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, found in results.items():
        counts = [r["count_ms"] for r in found]
        print(
            f"| {name} | {', '.join(sorted({t for r in found for t in r['statement_timeout']}))}"
            f" | {found[0]['total']:,} | {statistics.median(counts):.0f};"
            f" {min(counts):.0f}–{max(counts):.0f}"
            f" | {statistics.median(r['step_median_ms'] for r in found):.1f}"
            f" | {statistics.median(r['steps_cpu_ms'] for r in found):.0f} |"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
