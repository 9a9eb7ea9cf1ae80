"""A 20-row page of a list view, filtered on an indexed field and sorted, from a large
tenant (seeded with `yiwang bench seed`), and the same page across the tenant tree.

Part 1, the query: the statement `ListService` compiles for the public list
of service items (`view=public_index`, `filter.task_type=CODE`, sorted by
`task_name`), run through SQLAlchemy and psycopg in a unit of work scoped to
the tenant (RLS on), its client wall time; every round draws another code.
Baseline in the same run and session: a 20-row primary-key page of the same
table (`WHERE tenant_id = :t AND id > :x ORDER BY id LIMIT 21`). Then the
same page with subtree scope from the province (every tenant below it).

Part 2, over HTTP: wrk at 10 connections on the public list API
`GET /api/v1/t/CODE/public/records/service_item?...` (anonymous: edge,
publication check, compile, query, masking, JSON) and on the staff list API
`GET /api/v1/t/CODE/records/service_item?...` with a prefecture operator's
bearer token (session, guard, the same page), each against a bare Litestar
route (`bench/support/bare_app.py`) answering the bytes the platform answered,
under the same `yiwang serve`, rounds alternating. Both pages are of a published
type, so after the first request each worker serves them from memory until a write
moves the type's record set version (`lists.service`); what a page read from
PostgreSQL costs is `bench/support/page_data_cpu.py` and the section's profile in
`bench/README.md`.

    eval "$(scripts/services.sh env test)"; uv run python bench/records_list.py --tenant 620100

Warm: the table and indexes are in the cache after the first rounds (the
first round of every method is dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

import pyotp
from dashboard_http import PASSWORD, _cli, _post, fetch_page
from http_load import SUPPORT, Config, Server, fetch, start_server, stop_server, wrk
from records_create import admin_sql
from sqlalchemy import text

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.lists.compile import compile_page
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import RecordService
from yiwang.tenants.tree import TenantTree

TYPE = "service_item"
VIEW = "public_index"
PROVINCE = "620000"
#: what an anonymous caller gets: no department restriction, first page, masked
OPEN: dict[str, Any] = {
    "restrict_to_department": False,
    "department": None,
    "after": None,
    "reveal": False,
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def server_ms(session: Any, sql: str, params: dict[str, Any]) -> float:
    """The statement's time on the server: planning plus execution (EXPLAIN ANALYZE,
    no per-node timing), without the client, the driver or the wire."""
    found = await session.scalar(text("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql), params)
    report = (json.loads(found) if isinstance(found, str) else found)[0]
    return float(report["Planning Time"]) + float(report["Execution Time"])


async def query_times(args: argparse.Namespace, codes: list[str]) -> dict[str, list[float]]:
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=2)
    cache = Cache(settings.redis_url)
    sessions = session_factory(engine)
    seal = PiiSeal(IdentitySettings.from_env(settings).cipher())
    models = ModelCache(cache)
    times: dict[str, list[float]] = {
        "page": [],
        "baseline": [],
        "subtree": [],
        "server_page": [],
        "server_baseline": [],
        "server_subtree": [],
    }
    rng = random.Random(5)
    try:
        async with unit_of_work(sessions, actor="bench") as uow:
            tree = await TenantTree.load(uow.session)
        node, province = tree.node(args.tenant), tree.node(PROVINCE)
        async with unit_of_work(sessions, actor="bench") as uow:
            await uow.use_scope(TenantScope.single(node.id))
            model = await models.effective(uow.session, tree, node.code)
            document = RecordService.item_document(model, TYPE)
            lists = ListService(uow, tree, models, seal)
            top = int(
                await uow.session.scalar(
                    text("SELECT max(id) FROM records WHERE tenant_id = :t"), {"t": node.id}
                )
                or 0
            )
            for n in range(args.queries + 1):
                code = rng.choice(codes)
                plan = lists.plan(document, VIEW, {"view": [VIEW], "filter.task_type": [code]})
                compiled = compile_page(document, plan, tenant_ids=(node.id,), **OPEN)
                started = time.perf_counter()
                rows = await lists.repo.page(compiled)
                page_ms = (time.perf_counter() - started) * 1000
                assert len(rows) == plan.limit + 1, (code, len(rows))
                started = time.perf_counter()
                base = (
                    await uow.session.execute(
                        text(
                            "SELECT tenant_id, id, data FROM records WHERE tenant_id = :t"
                            " AND id > :x ORDER BY id LIMIT 21"
                        ),
                        {"t": node.id, "x": rng.randrange(max(1, top - 10_000))},
                    )
                ).all()
                base_ms = (time.perf_counter() - started) * 1000
                assert len(base) == 21
                if n:  # the first round warms the caches
                    times["page"].append(page_ms)
                    times["baseline"].append(base_ms)
            plan_rows = await uow.session.execute(
                text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + compiled.sql), compiled.params
            )
            print("\n".join("    " + str(r[0]) for r in plan_rows))
            for n in range(args.queries + 1):
                plan = lists.plan(
                    document, VIEW, {"view": [VIEW], "filter.task_type": [rng.choice(codes)]}
                )
                compiled = compile_page(document, plan, tenant_ids=(node.id,), **OPEN)
                page_server = await server_ms(uow.session, compiled.sql, compiled.params)
                base_server = await server_ms(
                    uow.session,
                    "SELECT tenant_id, id, data FROM records WHERE tenant_id = :t"
                    " AND id > :x ORDER BY id LIMIT 21",
                    {"t": node.id, "x": rng.randrange(max(1, top - 10_000))},
                )
                if n:
                    times["server_page"].append(page_server)
                    times["server_baseline"].append(base_server)
        async with unit_of_work(sessions, actor="bench") as uow:
            ids = tree.subtree_ids(province.code)
            await uow.use_scope(TenantScope.subtree(province.id, ids))
            model = await models.effective(uow.session, tree, province.code)
            document = RecordService.item_document(model, TYPE)
            lists = ListService(uow, tree, models, seal)
            for n in range(args.queries + 1):
                code = rng.choice(codes)
                plan = lists.plan(document, VIEW, {"view": [VIEW], "filter.task_type": [code]})
                compiled = compile_page(document, plan, tenant_ids=ids, **OPEN)
                started = time.perf_counter()
                rows = await lists.repo.page(compiled)
                elapsed = (time.perf_counter() - started) * 1000
                assert len(rows) == plan.limit + 1
                if n:
                    times["subtree"].append(elapsed)
                    times["server_subtree"].append(
                        await server_ms(uow.session, compiled.sql, compiled.params)
                    )
    finally:
        await cache.close()
        await engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenant", default="620100")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    counts = admin_sql(
        "SELECT (SELECT count(*) FROM records r JOIN tenants t ON t.id = r.tenant_id"
        f" WHERE t.code = '{args.tenant}') || ' ' || (SELECT count(*) FROM records)"
    ).split()
    codes = admin_sql(
        "SELECT string_agg(c, ' ') FROM (SELECT DISTINCT data->>'task_type' AS c FROM records"
        f" WHERE type_key = '{TYPE}' AND tenant_id = (SELECT id FROM tenants"
        f" WHERE code = '{args.tenant}')) s"
    ).split()
    times = asyncio.run(query_times(args, codes))
    print(
        f"{args.tenant}: {int(counts[0]):,} records; all tenants: {int(counts[1]):,};"
        f" {args.queries} queries per method, task_type drawn from {len(codes)} codes;"
        f" {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load average"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print("| query | p50 (ms) | p95 (ms) | p95 / baseline |")
    print("| --- | --- | --- | --- |")
    base95 = pct(times["baseline"], 0.95)
    for key, label in (
        ("page", f"list page, one tenant ({args.tenant})"),
        ("subtree", f"list page, subtree scope from {PROVINCE}"),
        ("baseline", "baseline: primary-key page, same table"),
    ):
        p50, p95 = statistics.median(times[key]), pct(times[key], 0.95)
        print(f"| {label} | {p50:.2f} | {p95:.2f} | {p95 / base95:.1f} |")
    print("\nOn the server (EXPLAIN ANALYZE: planning + execution), same queries drawn again:")
    print("| query | p50 (ms) | p95 (ms) | p95 / baseline |")
    print("| --- | --- | --- | --- |")
    server95 = pct(times["server_baseline"], 0.95)
    for key, label in (
        ("server_page", f"list page, one tenant ({args.tenant})"),
        ("server_subtree", f"list page, subtree scope from {PROVINCE}"),
        ("server_baseline", "baseline: primary-key page, same table"),
    ):
        p50, p95 = statistics.median(times[key]), pct(times[key], 0.95)
        print(f"| {label} | {p50:.3f} | {p95:.3f} | {p95 / server95:.1f} |")
    if args.no_http:
        return
    http(args, codes[0])


def staff_token(platform: Server, tenant: str) -> str:
    """A new prefecture operator of `tenant` (may read its records), activated over
    HTTP; its bearer token."""
    login = f"bench.list.{uuid.uuid4().hex[:8]}"
    created = json.loads(_cli("users", "create", login, "--kind", "staff", "--tenant", tenant))
    _cli("roles", "grant", login, "prefecture_operator", "--tenant", tenant)
    body = {"login": login, "code": created["activation_code"], "password": PASSWORD}
    started = _post(platform.url("/api/v1/auth/activation"), body)
    secret = pyotp.parse_uri(started["totp_uri"]).secret
    code = pyotp.TOTP(secret).at(int(time.time()) + 30)
    return _post(platform.url("/api/v1/auth/activation/confirm"), {**body, "totp": code})["token"]


def http(args: argparse.Namespace, code: str) -> None:
    """wrk on the public list route (anonymous) and the staff list route (a staff
    token), each against the bare app answering the same bytes, rounds alternating."""
    workdir = Path(tempfile.mkdtemp(prefix="records-list-"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")])
    env["YIWANG_BARE_BODIES"] = str(workdir)
    config = Config("granian", args.workers)
    query = f"view={VIEW}&filter.task_type={code}"
    platform = start_server("platform", "yiwang.app:asgi", config, env, workdir / "p.log")
    bare = None
    routes = {
        "public": (f"/api/v1/t/{args.tenant}/public/records/{TYPE}?{query}", False),
        "staff": (f"/api/v1/t/{args.tenant}/records/{TYPE}?{query}", True),
    }
    results: dict[str, list[dict[str, float]]] = {}
    sizes: dict[str, int] = {}
    try:
        token = staff_token(platform, args.tenant)
        headers = {"public": [], "staff": [f"Authorization: Bearer {token}"]}
        for name, (path, signed) in routes.items():
            page = fetch_page(platform.url(path), token) if signed else fetch(platform.url(path))
            assert len(json.loads(page)["items"]) == 20, name
            (workdir / f"records_{name}_api.html").write_bytes(page)
            sizes[name] = len(page)
        bare = start_server("bare", "bare_app:create", config, env, workdir / "b.log")
        targets = {}
        for name, (path, _) in routes.items():
            targets[name] = (platform.url(path), headers[name])
            targets[f"bare_{name}"] = (bare.url(f"/bare/records_{name}_api"), [])
            assert (
                fetch(bare.url(f"/bare/records_{name}_api"))
                == (workdir / f"records_{name}_api.html").read_bytes()
            )
        for url, sent in targets.values():
            wrk(url, args, 3, sent)  # warm, not counted
        for _ in range(args.rounds):
            for key, (url, sent) in targets.items():
                results.setdefault(key, []).append(wrk(url, args, args.seconds, sent))
    finally:
        stop_server(platform)
        if bare is not None:
            stop_server(bare)

    def rate(s: dict[str, Any]) -> float:
        return float(s["requests"]) / (float(s["duration_us"]) / 1e6)

    print(json.dumps(results))
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nHTTP, granian x{args.workers}, wrk -t{args.threads} -c{args.connections},"
        f" {args.rounds} x {args.seconds} s alternating, {when} UTC, load average {load}"
    )
    print("| route | body (bytes) | req/s | p50 (ms) | p95 (ms) | req/s / baseline |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, label in (
        ("public", "public list API, anonymous"),
        ("staff", "staff list API, bearer token"),
    ):
        base_rate = statistics.median(rate(s) for s in results[f"bare_{name}"])
        for key, side in ((name, label), (f"bare_{name}", "baseline: bare route, same bytes")):
            r = results[key]
            req_s = statistics.median(rate(s) for s in r)
            p50 = statistics.median(s["p50_us"] for s in r) / 1000
            p95 = statistics.median(s["p95_us"] for s in r) / 1000
            cells = (
                f"{sizes[name]:,} | {req_s:.0f} | {p50:.2f} | {p95:.2f} | {req_s / base_rate:.2f}"
            )
            print(f"| {side} | {cells} |")


if __name__ == "__main__":
    main()
