"""Where PostgreSQL's CPU goes while a bench makes applications: per process, per
statement, and what the connections wait on.

    eval "$(scripts/services.sh env test)"
    uv run python bench/pg_cpu.py -- uv run python bench/records_create.py --rounds 1 --seconds 20
    uv run python bench/pg_cpu.py -- uv run python bench/records_create.py --in-process 1000

It runs the command given after `--` (without one, the first of the two above, as
`make bench` does). When the command starts `wrk` with
`WRK_RUN=platform-…` (`records_create.py`'s counted platform rounds), the window is
the first such round from `--after` seconds in, `--window` seconds long; with
`--in-process` in the command it is the whole command (any other command is refused
when it ends). Over the window it reads `utime + stime` from
`/proc` of every process of this PostgreSQL cluster (the postmaster's children, by
their titles: the application's backends, walwriter, checkpointer, autovacuum, ...)
and of the command's own process tree (granian workers, wrk, the in-process client),
counts the cases made, samples `pg_stat_activity` and ungranted `pg_locks` every
`--sample` seconds, and resets and reads `pg_stat_statements` (when installed:
`shared_preload_libraries`; `track = all` and `track_planning` add the triggers'
statements and planning). Everything per application, as one table each.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def admin_url() -> str:
    return os.environ["YIWANG_PG_ADMIN_URL"].rsplit("/", 1)[0] + "/" + database()


def database() -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[1]


def psql(sql: str) -> list[list[str]]:
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    out = subprocess.run(
        [str(pgbin / "psql"), admin_url(), "-qAtX", "-F", "\t", "-v", "ON_ERROR_STOP=1"],
        input=sql,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def postmaster() -> int:
    data = psql("SELECT setting FROM pg_settings WHERE name = 'data_directory'")[0][0]
    return int(Path(data, "postmaster.pid").read_text().split()[0])


def children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def tree(root: int, parents: dict[int, int]) -> set[int]:
    out, todo = {root}, [root]
    while todo:
        p = todo.pop()
        for pid, parent in parents.items():
            if parent == p and pid not in out:
                out.add(pid)
                todo.append(pid)
    return out


def ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


TITLES: dict[int, str] = {}


def kind(pid: int, pg: set[int], app_user: str) -> str:
    name = TITLES.get(pid, "")
    if pid in pg:
        if f"postgres: {app_user} " in name:
            return "postgres: application backends"
        if name.startswith("postgres: autovacuum"):
            return "postgres: autovacuum"
        for part in ("walwriter", "checkpointer", "background writer", "logical replication"):
            if part in name:
                return f"postgres: {part}"
        return "postgres: other" if name.startswith("postgres: ") else "postgres: postmaster"
    if name.startswith("redis-server"):
        return "redis"
    if name.split(" ", 1)[0].endswith("wrk"):
        return "wrk"
    if " serve " in name:
        return "server processes (granian)"
    return "bench client" if "python" in name else "other"


def redis(parents: dict[int, int]) -> set[int]:
    """The Redis server of `REDIS_URL` (its port in the title)."""
    port = os.environ.get("REDIS_URL", "").rsplit(":", 1)[-1].split("/")[0]
    return {p for p in parents if title(p).startswith("redis-server") and f":{port}" in title(p)}


def snapshot(pids: set[int]) -> dict[int, int]:
    """Each process's ticks so far; its title kept from the last time it was seen."""
    for pid in pids:
        TITLES[pid] = title(pid) or TITLES.get(pid, "")
    return {pid: ticks(pid) for pid in pids}


def platform_wrk(bench: int) -> int | None:
    parents = children()
    for pid in tree(bench, parents) - {bench}:
        if title(pid).startswith("wrk "):
            try:
                env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(e.startswith(b"WRK_RUN=platform-") for e in env):
                return pid
    return None


def cases() -> int:
    return int(psql("SELECT count(*) FROM cases")[0][0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=float, default=12.0)
    parser.add_argument("--after", type=float, default=2.0)
    parser.add_argument("--sample", type=float, default=0.1)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:  # `make bench`: the wrk run the figures were taken from
        command = [sys.executable, "bench/records_create.py", "--rounds", "1", "--seconds", "20"]
    app_user = os.environ["DATABASE_URL"].split("//", 1)[1].split(":", 1)[0]
    statements = bool(psql("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"))
    master = postmaster()
    bench = subprocess.Popen(command, cwd=ROOT)
    in_process = False
    wrk = None
    while bench.poll() is None and wrk is None:
        wrk = platform_wrk(bench.pid)
        if wrk is None and any("--in-process" in c for c in command):
            in_process = True
            break
        time.sleep(0.2)
    if not in_process:
        if wrk is None:
            raise SystemExit("the command ended before a platform round began")
        time.sleep(args.after)
    if statements:
        psql("SELECT pg_stat_statements_reset()")
    parents = children()
    pg = tree(master, parents)
    mine = tree(bench.pid, parents) | redis(parents)
    t0, made0, before = time.monotonic(), cases(), snapshot(pg | mine)
    waits: collections.Counter[str] = collections.Counter()
    samples = 0
    deadline = t0 + args.window
    last: dict[int, int] = dict(before)
    while (bench.poll() is None) and (in_process or time.monotonic() < deadline):
        rows = psql(
            "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-'), state"
            f" FROM pg_stat_activity WHERE usename = '{app_user}' AND pid <> pg_backend_pid()"
            " AND state <> 'idle'"
            " UNION ALL SELECT 'lock not granted: ' || locktype || ' ' || mode ||"
            " coalesce(' on ' || relation::regclass::text, ''), '' FROM pg_locks WHERE NOT granted"
        )
        samples += 1
        for event, state in rows:
            waits[f"{event} ({state})" if state else event] += 1
        parents = children()
        new_pg = tree(master, parents) - pg
        new_mine = tree(bench.pid, parents) - mine
        for pid in new_pg | new_mine:  # started inside the window: counted from zero
            before[pid] = 0
        pg |= new_pg
        mine |= new_mine
        last.update({pid: t for pid, t in snapshot(pg | mine).items() if t})
        time.sleep(args.sample)
        if in_process and wrk is None and bench.poll() is not None:
            break
    elapsed, made = time.monotonic() - t0, cases() - made0
    after = {**last, **{pid: t for pid, t in snapshot(pg | mine).items() if t}}
    top = []
    if statements:
        top = psql(
            "SELECT round(sum(total_exec_time)::numeric, 1),"
            " round(sum(total_plan_time)::numeric, 1),"
            " sum(calls), left(regexp_replace(query, '\\s+', ' ', 'g'), 110)"
            " FROM pg_stat_statements GROUP BY query"
            f" ORDER BY sum(total_exec_time + total_plan_time) DESC LIMIT {args.top}"
        )
    bench.wait()
    per = collections.Counter[str]()
    for pid in pg | mine:
        per[kind(pid, pg, app_user)] += after.get(pid, 0) - before.get(pid, 0)
    n = max(made, 1)
    print(f"window {elapsed:.1f} s, {made} cases made ({made / elapsed:.0f}/s), load {load()}")
    print("| process | CPU ms per application | share of the window's CPU |")
    print("| --- | ---: | ---: |")
    total = sum(per.values())
    for name, t in per.most_common():
        print(f"| {name} | {t * TICK_MS / n:.2f} | {t / max(total, 1):.0%} |")
    print(f"| all | {total * TICK_MS / n:.2f} | |")
    print(f"\nwhat the application's non-idle connections were doing, {samples} samples:")
    print("| state | per sample |")
    print("| --- | ---: |")
    for event, count in waits.most_common(12):
        print(f"| {event} | {count / max(samples, 1):.2f} |")
    if top:
        print("\n| statement | exec ms / appl. | plan ms / appl. | calls / appl. |")
        print("| --- | ---: | ---: | ---: |")
        for exec_ms, plan_ms, calls, query in top:
            cells = f"{float(exec_ms) / n:.3f} | {float(plan_ms) / n:.3f} | {int(calls) / n:.2f}"
            print(f"| `{query.replace('|', '/')}` | {cells} |")
    sys.exit(bench.returncode)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
