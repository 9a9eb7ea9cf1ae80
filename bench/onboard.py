"""Time to onboard a province: Gansu first, then a second, made-up 100-tenant province
next to it, each as an operator does it (`yiwang tenants onboard`, a fresh process).

Onboarding writes the tenant tree, every tenant's departments, the calendar, the
audit records and the province's published base model, all in one transaction.
Each repetition runs on a fresh scratch database (migrated first, not timed).

Two baselines, measured in the same run:
- the same command run again on the same file, which finds nothing to change: the
  process start, the file's checks and the reads, without any write;
- a bare bulk insert of as many rows as onboarding wrote, into a temporary table:
  the cost of the rows themselves, without checks, RLS contexts or audit records.

Run with the test services up:
    eval "$(scripts/services.sh env test)"; uv run python bench/onboard.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPEAT = 3
SCRATCH = "yiwang_bench_onboard"
ROOT = Path(__file__).resolve().parents[1]


def second_province(prefectures: int = 11, counties_each: int = 8) -> str:
    """A province of 1 + 11 + 88 = 100 tenants, in the division file format."""
    lines = ["code,name,level,parent_code", "980000,基准省,province,"]
    for p in range(1, prefectures + 1):
        pref = f"98{p:02d}00"
        lines.append(f"{pref},基准{p}市,prefecture,980000")
        lines.extend(
            f"98{p:02d}{c:02d},基准{p}市{c}区,county,{pref}" for c in range(1, counties_each + 1)
        )
    return "\n".join(lines) + "\n"


def _swap_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def scratch_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = _swap_db(env["DATABASE_URL"], SCRATCH)
    env["MIGRATION_DATABASE_URL"] = _swap_db(env["MIGRATION_DATABASE_URL"], SCRATCH)
    env["YIWANG_LOG_LEVEL"] = "WARNING"
    return env


def fresh_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER yiwang_owner")


def yiwang(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run one command in a fresh process; its wall time and its standard output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"yiwang {' '.join(args)} failed: {done.stderr}")
    return elapsed, done.stdout


def written_rows(stdout: str) -> int:
    """Rows the onboarding answer counts (its JSON follows any progress lines)."""
    answer = json.loads(stdout[stdout.index("{") :])
    return int(
        answer["tenants_created"] + answer["departments_created"] + answer["calendar_days_created"]
    )


def bulk_insert(admin_url: str, rows: int) -> float:
    with psycopg.connect(_swap_db(admin_url, SCRATCH)) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE bulk (a bigint, b text, c text) ON COMMIT DROP")
            cur.executemany(
                "INSERT INTO bulk VALUES (%s, %s, %s)",
                [(i, "发展和改革委员会", "fgw") for i in range(rows)],
            )
        conn.commit()
        return time.perf_counter() - start


def main() -> None:
    admin = os.environ["YIWANG_PG_ADMIN_URL"]
    env = scratch_env()
    figures: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        second = Path(tmp) / "second-province.csv"
        second.write_text(second_province(), encoding="utf-8")
        runs = (
            ("Gansu (103 tenants, template gansu)", "gansu-divisions.csv", "gansu"),
            ("a second province (100 tenants, template standard)", str(second), "standard"),
        )
        for _ in range(REPEAT):
            fresh_database(admin)
            yiwang(env, "db", "upgrade")
            for name, divisions, template in runs:
                args = ("tenants", "onboard", "--divisions", divisions, "--template", template)
                elapsed, out = yiwang(env, *args)
                rows[name] = written_rows(out)
                again, _ = yiwang(env, *args)
                figures.setdefault(name, []).append(elapsed)
                figures.setdefault(f"{name}: again, nothing to change", []).append(again)
                figures.setdefault(f"{name}: bulk insert", []).append(
                    bulk_insert(admin, rows[name])
                )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    print(f"rows written: {rows}")
    print(
        "| onboarding | median (s) | the same again, nothing to change (s) | ratio |"
        " bulk insert of as many rows (s) | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, _, _ in runs:
        t = statistics.median(figures[name])
        again = statistics.median(figures[f"{name}: again, nothing to change"])
        bulk = statistics.median(figures[f"{name}: bulk insert"])
        print(f"| {name} | {t:.2f} | {again:.2f} | {t / again:.1f} | {bulk:.3f} | {t / bulk:.0f} |")


if __name__ == "__main__":
    main()
