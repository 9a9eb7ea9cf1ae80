"""What a row-level-security policy costs per row: the setting read for every row
(`tenant_id = ANY(nullif(current_setting(...), '')::bigint[])`, the policies before
migration `0023_rls_once_per_statement`) against the setting read once per statement
in a scalar subquery (the policies after it).

Two copies of one table (ROWS rows spread over 103 tenants, no index: a count is a
sequential scan, the case where a policy meets every row), one with each policy, both
forced, counted by the application role in three scopes: the province (103 visible
ids), a prefecture (10) and a county (1). Baselines in the same run: the same count by
the owner with row security off (the scan alone), and the old policy itself. Rounds
alternate between the two tables; the first round is dropped (warm: the tables sit in
shared buffers after it).

    eval "$(scripts/services.sh env test)"
    uv run python bench/rls_policy.py [--rows 500000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import psycopg

OLD = "nullif(current_setting('yiwang.visible_tenants', true), '')::bigint[]"
NEW = "(SELECT nullif(current_setting('yiwang.visible_tenants', true), '')::bigint[])::bigint[]"
TABLES = {"old": OLD, "new": NEW}
SCOPES = {"province": 103, "prefecture": 10, "county": 1}


def _admin_dsn() -> str:
    return os.environ["YIWANG_PG_ADMIN_URL"].rsplit("/", 1)[0] + "/yiwang"


def _app_dsn() -> str:
    return os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def _create(admin: psycopg.Connection, rows: int) -> None:
    for name, visible in TABLES.items():
        table = f"bench_rls_{name}"
        admin.execute(f"DROP TABLE IF EXISTS {table}")
        admin.execute(
            f"CREATE TABLE {table} AS SELECT (g % 103) + 1 AS tenant_id, g AS id "
            f"FROM generate_series(1, {rows}) g"
        )
        admin.execute(f"ALTER TABLE {table} ALTER COLUMN tenant_id TYPE bigint")
        admin.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        admin.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        admin.execute(
            f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (tenant_id = ANY ({visible}))"
        )
        admin.execute(f"GRANT SELECT ON {table} TO yiwang_app")
        admin.execute(f"VACUUM ANALYZE {table}")


def _timed(conn: psycopg.Connection, sql: str) -> tuple[float, int]:
    started = time.perf_counter()
    row = conn.execute(sql).fetchone()
    assert row is not None
    return (time.perf_counter() - started) * 1000, int(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        _create(admin, args.rows)
        with psycopg.connect(_app_dsn()) as app:
            # parallel workers would split the per-row cost across processes
            app.execute("SET max_parallel_workers_per_gather = 0")
            admin.execute("SET max_parallel_workers_per_gather = 0")
            samples: dict[tuple[str, str], list[float]] = {}
            for round_no in range(args.rounds):
                for scope, width in SCOPES.items():
                    ids = "{" + ",".join(str(i) for i in range(1, width + 1)) + "}"
                    bare, expected = _timed(
                        admin,
                        f"SELECT count(*) FROM bench_rls_old WHERE tenant_id <= {width}",
                    )
                    if round_no:
                        samples.setdefault((scope, "no policy (owner)"), []).append(bare)
                    for name in TABLES:
                        app.execute("SELECT set_config('yiwang.visible_tenants', %s, true)", (ids,))
                        ms, counted = _timed(app, f"SELECT count(*) FROM bench_rls_{name}")
                        app.rollback()
                        assert counted == expected, (scope, name, counted, expected)
                        if round_no:
                            samples.setdefault((scope, name), []).append(ms)
        for name in TABLES:
            admin.execute(f"DROP TABLE bench_rls_{name}")
    print(f"rows {args.rows:,}, rounds {args.rounds} (first dropped), median ms")
    print(
        "| scope (visible ids) | no policy (owner) | setting per row (before 0023) "
        "| setting per statement (after) | after ÷ before |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for scope, width in SCOPES.items():
        bare = statistics.median(samples[(scope, "no policy (owner)")])
        old = statistics.median(samples[(scope, "old")])
        new = statistics.median(samples[(scope, "new")])
        print(f"| {scope} ({width}) | {bare:.1f} | {old:.1f} | {new:.1f} | {new / old:.3f} |")


if __name__ == "__main__":
    main()
