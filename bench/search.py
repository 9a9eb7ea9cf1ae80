"""Chinese search over 350,000 list items: pg_trgm against a bigram tsvector index.

A scratch database (`yiwang_bench_search`, same cluster, so the same
`C.UTF-8` locale as the tests) gets 350,000 realistic item names
(`_vocabulary.py`) and three indexes, each timed as it is built:
- a btree on an integer column (the baseline: an indexed integer equality
  matching 1 % of the rows, the same query shapes);
- pg_trgm: GIN `gin_trgm_ops` on the name, queried with `ILIKE '%q%'`;
- bigrams: GIN on `yiwang_search_bigrams(name)`, queried with the module's own
  `match()` (src/runtime/lists/search.py), which is what the runtime ships.
A fourth method, the same `ILIKE` with index scans disabled, is the sequential
baseline.

Queries of 1, 2, 3, 4 and 5 characters, each with frequent, medium, rare and
absent terms, in two shapes: `count(*)` of every match, and the first page
(`ORDER BY id LIMIT 20`). Every (method, query, shape) runs REPEAT times,
interleaved, warm (the table and indexes are in the cache: the figures are
for a server that has been serving); p50 and p95 over all samples of a length.
Each timing is the client's wall time of one statement through SQLAlchemy and
psycopg on loopback, prepared statements off, as the application runs.
EXPLAIN (ANALYZE) of each query says which index was read and how many rows
the index returned that the recheck threw away.

Run with the test services up:
    eval "$(scripts/services.sh env test)"; uv run python bench/search.py [--rows N]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

sys.path.insert(0, os.path.dirname(__file__))

import _vocabulary

from yiwang.runtime.lists import search

SCRATCH = "yiwang_bench_search"
REPEAT = 12
QUERIES: dict[int, list[str]] = {
    1: ["证", "户", "粮"],
    2: ["许可", "户口", "低保", "兰州", "量子"],
    3: ["公安局", "低保金", "驾驶证", "城关区", "量子计"],
    4: ["营业执照", "户口迁移", "农机购置", "量子计算"],
    5: ["营业执照办", "最低生活保", "不动产登记", "食品经营许", "量子计算机"],
}
METHODS = ("integer", "seq_ilike", "trgm", "trgm_forced", "bigram", "bigram_stored")
#: the index each method is meant to read
OWN_INDEX = {
    "integer": "items_category",
    "trgm": "items_name_trgm",
    "trgm_forced": "items_name_trgm",
    "bigram": "items_name_bigrams",
    "bigram_stored": "items_vector",
}

meta = sa.MetaData()
items = sa.Table(
    "items",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("category", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
)
#: the same rows with the pairs in a stored generated column (the alternative)
stored = sa.Table(
    "items_stored",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("category", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "search_vector",
        postgresql.TSVECTOR,
        sa.Computed(sa.text("yiwang_search_bigrams(name)"), persisted=True),
    ),
)
STORED_DOC = search.document(stored.c.name)
DOC = search.document(items.c.name)
BIGRAM_INDEX = search.search_index("items_name_bigrams", DOC, concurrently=False)
items.indexes.discard(BIGRAM_INDEX)  # built after the load, and timed


def _swap_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _like_pattern(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def condition(method: str, q: str, category: int) -> sa.ColumnElement[bool]:
    if method == "integer":
        return items.c.category == category
    if method in ("seq_ilike", "trgm", "trgm_forced"):
        return items.c.name.ilike(sa.literal(_like_pattern(q)))
    parsed = search.parse_query(q)
    assert parsed is not None
    if method == "bigram_stored":
        return search.match(STORED_DOC, parsed, vector=stored.c.search_vector)
    return search.match(DOC, parsed)


def statement(method: str, q: str, category: int, shape: str) -> sa.Select[Any]:
    where = condition(method, q, category)
    table = stored if method == "bigram_stored" else items
    if shape == "count":
        return sa.select(sa.func.count()).select_from(table).where(where)
    return sa.select(table.c.id, table.c.name).where(where).order_by(table.c.id).limit(20)


def build(conn: Connection, rows: int) -> dict[str, float]:
    """Load the rows and build the indexes; returns build seconds per index."""
    out: dict[str, float] = {}
    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for statement_sql in search.FUNCTIONS_DDL.split(";\n\n"):
        conn.exec_driver_sql(statement_sql)
    meta.create_all(conn)
    start = time.perf_counter()
    buf = io.StringIO()
    for i, name in enumerate(_vocabulary.names(rows), start=1):
        buf.write(f"{i}\t{i % 100}\t{name}\n")
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy("COPY items (id, category, name) FROM STDIN") as copy:  # type: ignore[attr-defined]
        copy.write(buf.getvalue())
    out["load (COPY)"] = time.perf_counter() - start
    for label, ddl in (
        ("btree (category)", "CREATE INDEX items_category ON items (category)"),
        ("pg_trgm GIN", "CREATE INDEX items_name_trgm ON items USING gin (name gin_trgm_ops)"),
        ("bigram GIN", search.index_ddl(BIGRAM_INDEX)),
        (
            "stored column (INSERT ... SELECT)",
            "INSERT INTO items_stored (id, category, name) SELECT id, category, name FROM items",
        ),
        (
            "stored bigram GIN",
            "CREATE INDEX items_vector ON items_stored USING gin (search_vector)",
        ),
    ):
        start = time.perf_counter()
        conn.exec_driver_sql(ddl)
        out[label] = time.perf_counter() - start
    return out


def sizes(conn: Connection) -> dict[str, int]:
    names = {
        "table (heap)": "items",
        "stored column (INSERT ... SELECT)": "items_stored",
        "btree (category)": "items_category",
        "pg_trgm GIN": "items_name_trgm",
        "bigram GIN": "items_name_bigrams",
        "stored bigram GIN": "items_vector",
    }
    return {
        label: int(conn.exec_driver_sql(f"SELECT pg_relation_size('{rel}')").scalar_one())
        for label, rel in names.items()
    }


def _walk(plan: dict[str, Any], found: dict[str, Any]) -> None:
    node = plan["Node Type"]
    found.setdefault("nodes", []).append(
        node + (f" on {plan['Index Name']}" if "Index Name" in plan else "")
    )
    if "Index Name" in plan:
        found.setdefault("indexes", set()).add(plan["Index Name"])
    if "Rows Removed by Index Recheck" in plan:
        found["removed_by_recheck"] = (
            found.get("removed_by_recheck", 0) + plan["Rows Removed by Index Recheck"]
        )
    if "Rows Removed by Filter" in plan:
        found["removed_by_filter"] = (
            found.get("removed_by_filter", 0) + plan["Rows Removed by Filter"]
        )
    for child in plan.get("Plans", []):
        _walk(child, found)


def explain(conn: Connection, stmt: sa.Select[Any]) -> dict[str, Any]:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    sql = "EXPLAIN (ANALYZE, FORMAT JSON) " + str(compiled)
    plan = conn.exec_driver_sql(sql, compiled.params).scalar_one()[0]["Plan"]
    found: dict[str, Any] = {}
    _walk(plan, found)
    return found


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    index_used: list[bool] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    plans: set[str] = field(default_factory=set)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(conns: dict[str, Connection]) -> dict[tuple[str, int, str], Samples]:
    results: dict[tuple[str, int, str], Samples] = {}
    counts: dict[tuple[str, str], int] = {}
    for length, queries in QUERIES.items():
        for n, q in enumerate(queries):
            category = 7 * n + 3
            for method in METHODS:
                for shape in ("count", "page"):
                    stmt = statement(method, q, category, shape)
                    s = results.setdefault((method, length, shape), Samples())
                    found = explain(conns[method], stmt)
                    s.index_used.append(OWN_INDEX.get(method, "") in found.get("indexes", set()))
                    s.removed.append(
                        found.get("removed_by_recheck", 0) + found.get("removed_by_filter", 0)
                    )
                    s.plans.add(" > ".join(found["nodes"]))
                    if shape == "count":
                        counts[(method, q)] = int(conns[method].execute(stmt).scalar_one())
            if len({counts[(m, q)] for m in METHODS if m != "integer"}) != 1:
                raise SystemExit(
                    f"methods disagree on {q!r}: " + str({m: counts[(m, q)] for m in METHODS})
                )
            for method in METHODS:
                results[(method, length, "count")].rows.append(counts[(method, q)])
    # timed rounds: every statement once per round, methods interleaved
    plan: list[tuple[str, int, str, sa.Select[Any]]] = []
    for length, queries in QUERIES.items():
        for n, q in enumerate(queries):
            for method in METHODS:
                for shape in ("count", "page"):
                    plan.append((method, length, shape, statement(method, q, 7 * n + 3, shape)))
    for _ in range(REPEAT):
        for method, length, shape, stmt in plan:
            conn = conns[method]
            start = time.perf_counter()
            conn.execute(stmt).fetchall()
            results[(method, length, shape)].times.append(time.perf_counter() - start)
    return results


def trgm_under_c_locale(admin_url: str) -> tuple[str, str, str]:
    """show_trgm of a Chinese name in this database's ctype and in a C-ctype database."""
    probe = "yiwang_bench_trgm_c"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {probe}")
        conn.execute(f"CREATE DATABASE {probe} TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C'")
    try:
        with psycopg.connect(_swap_db(admin_url, probe), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_trgm")
            c_trgm = conn.execute("SELECT show_trgm('营业执照')::text").fetchone()
        with psycopg.connect(_swap_db(admin_url, SCRATCH), autocommit=True) as conn:
            ctype = conn.execute(
                "SELECT datctype FROM pg_database WHERE datname = current_database()"
            ).fetchone()
            utf_trgm = conn.execute("SELECT show_trgm('营业执照')::text").fetchone()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {probe}")
    assert c_trgm and utf_trgm and ctype
    return str(ctype[0]), str(utf_trgm[0]), str(c_trgm[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=350_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    admin = os.environ["YIWANG_PG_ADMIN_URL"]
    owner_url = _swap_db(os.environ["MIGRATION_DATABASE_URL"], SCRATCH)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER yiwang_owner")
    engine = sa.create_engine(
        owner_url, connect_args={"prepare_threshold": None}, pool_size=len(METHODS)
    )
    try:
        with engine.begin() as conn:
            built = build(conn, args.rows)
        with engine.connect() as conn:
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.exec_driver_sql("VACUUM ANALYZE items")
            auto.exec_driver_sql("VACUUM ANALYZE items_stored")
            size = sizes(conn)
        conns = {m: engine.connect() for m in METHODS}
        for c in conns.values():
            # a JIT compile (from a total cost of 100,000) costs more than these
            # queries; an OLTP application turns it off (see bench/README.md)
            c.exec_driver_sql("SET jit = off")
        conns["seq_ilike"].exec_driver_sql("SET enable_indexscan = off")
        conns["seq_ilike"].exec_driver_sql("SET enable_bitmapscan = off")
        # pg_trgm's plan when the planner may not fall back to a sequential scan
        conns["trgm_forced"].exec_driver_sql("SET enable_seqscan = off")
        conns["trgm_forced"].exec_driver_sql("SET enable_indexscan = off")
        results = run(conns)
        settings = {
            k: conns["bigram"].exec_driver_sql(f"SHOW {k}").scalar_one()
            for k in ("shared_buffers", "work_mem", "maintenance_work_mem", "server_version")
        }
        for c in conns.values():
            c.close()
        ctype, utf_trgm, c_trgm = trgm_under_c_locale(admin)
    finally:
        engine.dispose()
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    report(args.rows, built, size, results, settings, ctype, utf_trgm, c_trgm)


def report(
    rows: int,
    built: dict[str, float],
    size: dict[str, int],
    results: dict[tuple[str, int, str], Samples],
    settings: dict[str, Any],
    ctype: str,
    utf_trgm: str,
    c_trgm: str,
) -> None:
    print(
        f"rows: {rows:,}; database ctype {ctype}; "
        + ", ".join(f"{k} {v}" for k, v in settings.items())
    )
    print(f"show_trgm('营业执照') here: {utf_trgm}")
    print(f"show_trgm('营业执照') in a database with LC_CTYPE C: {c_trgm}")
    print()
    print("| index | build (s) | size (MiB) |")
    print("| --- | --- | --- |")
    for label, seconds in built.items():
        mib = size.get(label, size["table (heap)"] if label.startswith("load") else 0) / 2**20
        print(f"| {label} | {seconds:.2f} | {mib:.1f} |")
    print()
    ms: Callable[[float], str] = lambda s: f"{s * 1000:.2f}"  # noqa: E731
    print(
        "| query length | method | count p50 (ms) | count p95 (ms) | count p95 / integer | "
        "page p50 (ms) | page p95 (ms) | page p95 / integer | own index read (count; page) | "
        "rows matched (per query) | rows read and thrown away (max) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for length in QUERIES:
        base_c = pct(results[("integer", length, "count")].times, 0.95)
        base_p = pct(results[("integer", length, "page")].times, 0.95)
        for method in METHODS:
            c = results[(method, length, "count")]
            p = results[(method, length, "page")]
            used_s = (
                f"{sum(c.index_used)}/{len(c.index_used)}; {sum(p.index_used)}/{len(p.index_used)}"
            )
            matched = ", ".join(f"{r:,}" for r in c.rows)
            print(
                f"| {length} | {method} | {ms(pct(c.times, 0.5))} | {ms(pct(c.times, 0.95))} | "
                f"{pct(c.times, 0.95) / base_c:.1f} | "
                f"{ms(pct(p.times, 0.5))} | {ms(pct(p.times, 0.95))} | "
                f"{pct(p.times, 0.95) / base_p:.1f} | {used_s} | {matched} | "
                f"{max(c.removed + p.removed):,} |"
            )
    print()
    print("plans seen:")
    for length in QUERIES:
        for method in METHODS:
            for shape in ("count", "page"):
                for plan in sorted(results[(method, length, shape)].plans):
                    print(f"  {length} {method} {shape}: {plan}")


if __name__ == "__main__":
    main()
