"""The console's inbox page for a window clerk with 1,000 open tasks, next to a bare route.

Seeds `--tasks` cases at 秦州区 (620502) through the cases service itself (each case
opens its acceptance task for `window_clerk`: the clerk's inbox), creates and grants a
clerk on the command line, then starts two servers through `yiwang serve` the way
`bench/http_load.py` does (same server, workers, loop, parser): the platform, and a
bare Litestar app (`bare` below) that answers the platform's own inbox page, saved in
this run, as bytes: no middleware, guard, database or template. The clerk activates
through the API and signs in (password + TOTP); wrk then loads
`GET /console/t/620502/inbox` (page 1: the 50 soonest due of the clerk's open tasks)
with the clerk's bearer token and `Accept: text/html`, at 10 and at 50 connections,
platform and bare alternating for `--rounds` rounds after a warm-up of each (not
counted), on loopback only. The seeded cases and the clerk are removed at the end.
Figures: the median over the rounds of req/s and wrk's p50/p95/p99; "warm" means the
servers had served the page before the counted runs (no cold figures here).

    eval "$(scripts/services.sh env test)"; uv run yiwang bootstrap
    uv run python bench/console_inbox.py [--tasks 1000] [--rounds 3] [--seconds 10]

`--in-process N [--against SRC] [--profile FILE]`: no wrk; after the sign-in the server
stops and each round runs `support/inbox_in_process.py` (N sequential requests through
the ASGI app in a fresh process: median, CPU, statements and round trips per request),
alternating this checkout with the package at `SRC` (another commit's `src/`, e.g. from
`git archive`) when given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pyotp
from litestar import Litestar, MediaType, Response, get

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from http_load import SUPPORT, Config, start_server, stop_server
from records_create import admin_sql, post_json

TENANT = "620502"
PAGE = f"/console/t/{TENANT}/inbox"
BARE_PAGE = "/bare/inbox"
PASSWORD = "Hx7#qLm2vT"
HTML = "text/html,application/xhtml+xml"


def bare() -> Litestar:
    """The baseline: the inbox page this run's platform answered, as bytes."""
    body = Path(os.environ["YIWANG_BARE_INBOX"]).read_bytes()

    @get(BARE_PAGE)
    async def bare_inbox() -> Response[bytes]:
        return Response(body, media_type=MediaType.HTML)

    @get("/bare/healthz")
    async def bare_health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([bare_inbox, bare_health], openapi_config=None)


async def seed(count: int, submitter: str) -> None:
    """`count` applications opened by one applicant through `CasesService.open`."""
    from yiwang.metadata.versions.model_cache import ModelCache
    from yiwang.platform.database import create_engine, session_factory
    from yiwang.platform.settings import Settings
    from yiwang.platform.tenant_context import TenantScope
    from yiwang.platform.unit_of_work import unit_of_work
    from yiwang.runtime.cases.schemas import Application
    from yiwang.runtime.cases.service import CasesService, RouteSpecs
    from yiwang.runtime.routes.actions import Actor
    from yiwang.tenants.tree import TenantTree

    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            tree = await TenantTree.load(session)
        tenant = tree.node(TENANT)
        models, specs = ModelCache(None), RouteSpecs()
        actor = Actor(id=submitter, tenant=TENANT, roles=frozenset({"citizen"}))
        application = Application(
            service_item="SI-0001",
            form="application",
            route="standard",
            implementing_department="scjgj",
            data={"contact_phone": "13800000000"},
        )
        for start in range(0, count, 100):
            scope = TenantScope.single(tenant.id)
            async with unit_of_work(sessions, actor=submitter, scope=scope) as uow:
                cases = CasesService(uow, tree, models, specs)
                for _ in range(min(100, count - start)):
                    await cases.open(TENANT, application, actor)
    finally:
        await engine.dispose()


def cli(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args], check=True, capture_output=True, text=True
    )
    out = done.stdout.strip()
    return dict(json.loads(out)) if out.startswith("{") else {}


def clerk_token(url: str, login: str, code: str) -> str:
    """Activate the clerk (own password, own authenticator) and sign in: a bearer token."""
    started = post_json(
        f"{url}/api/v1/auth/activation", {"login": login, "code": code, "password": PASSWORD}
    )
    totp = pyotp.TOTP(str(started["totp_uri"]).split("secret=")[1].split("&")[0])
    step = int(time.time()) // 30
    post_json(
        f"{url}/api/v1/auth/activation/confirm",
        {"login": login, "code": code, "password": PASSWORD, "totp": totp.at(step * 30)},
    )
    while int(time.time()) // 30 == step:  # each code works once: wait for the next step
        time.sleep(0.5)
    signed = post_json(
        f"{url}/api/v1/auth/login", {"login": login, "password": PASSWORD, "totp": totp.now()}
    )
    return str(signed["token"])


def fetch(url: str, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as resp:
        if resp.status != 200:
            raise RuntimeError(f"{url} answered {resp.status}")
        body: bytes = resp.read()
        return body


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str]) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(SUPPORT / "wrk_report.lua"), url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("WRK_RESULT "))
    if result["socket_errors"] or result["non_2xx"]:
        raise RuntimeError(f"wrk saw errors on {url}: {result}")
    return result


def purge(tenant_id: str, submitter: str, login: str) -> None:
    ids = f"SELECT id FROM cases WHERE tenant_id = {tenant_id} AND submitter = '{submitter}'"
    for table in ("case_certificates", "case_tasks", "case_outbox", "case_events"):
        admin_sql(f"DELETE FROM {table} WHERE tenant_id = {tenant_id} AND case_id IN ({ids})")
    admin_sql(f"DELETE FROM cases WHERE tenant_id = {tenant_id} AND submitter = '{submitter}'")
    accounts = f"SELECT id FROM accounts WHERE login = '{login}'"
    admin_sql(f"DELETE FROM casbin_rule WHERE v0 IN (SELECT 'user:' || id FROM ({accounts}) a)")
    admin_sql(f"DELETE FROM account_activations WHERE account_id IN ({accounts})")
    admin_sql(f"DELETE FROM accounts WHERE login = '{login}'")


def in_process(args: argparse.Namespace, env: dict[str, str], token: str) -> None:
    """Rounds of `support/inbox_in_process.py`, this checkout and `--against` alternating."""
    sides = {"this": os.environ.get("PYTHONPATH", "")}
    if args.against:
        other = Path(tempfile.mkdtemp(prefix="inbox-against-"))
        (other / "yiwang").symlink_to(Path(args.against).resolve())
        sides["against"] = str(other)
    script = str(SUPPORT / "inbox_in_process.py")
    found: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for n in range(args.rounds):
        for side, path in sides.items():
            run_env = {**env, "PYTHONPATH": path, "YIWANG_BENCH_TOKEN": token}
            if args.profile:
                run_env["YIWANG_BENCH_PROFILE"] = f"{args.profile}.{side}"
            out = subprocess.run(
                [sys.executable, script, PAGE, str(args.in_process)],
                check=True,
                capture_output=True,
                text=True,
                env=run_env,
            ).stdout
            found[side].append(json.loads(out.strip().splitlines()[-1]))
            print(f"round {n + 1} {side}: {json.dumps(found[side][-1])}", file=sys.stderr)
    keys = (
        "p50_ms",
        "cpu_ms_per_request",
        "statements_per_request",
        "pg_round_trips_per_request",
        "redis_commands_per_request",
    )
    print(f"{args.rounds} rounds of {args.in_process} requests; load {os.getloadavg()}")
    print("| run | p50 ms | CPU ms / request | statements | PG round trips | Redis commands |")
    print("| --- | --- | --- | --- | --- | --- |")
    for side in sides:
        for n, row in enumerate(found[side]):
            print(f"| {side}, round {n + 1} | " + " | ".join(f"{row[k]:.2f}" for k in keys) + " |")
    if "against" in found:
        median = {s: {k: statistics.median(r[k] for r in found[s]) for k in keys} for s in sides}
        ratio = " | ".join(f"{median['this'][k] / median['against'][k]:.2f}" for k in keys)
        print(f"| this / against (medians) | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--in-process", type=int, default=0, metavar="N")
    parser.add_argument("--against", default=None, metavar="SRC")
    parser.add_argument("--profile", default=None, metavar="FILE")
    args = parser.parse_args()
    token = secrets.token_hex(4)
    submitter, login = f"bench:console:{token}", f"bench.clerk.{token}"
    tenant_id = admin_sql(f"SELECT id FROM tenants WHERE code = '{TENANT}'")
    if not tenant_id:
        raise SystemExit("no tenant 620502: run `yiwang bootstrap` first")
    workdir = Path(tempfile.mkdtemp(prefix="console-inbox-"))
    env = dict(os.environ, YIWANG_BARE_INBOX=str(workdir / "inbox.html"))
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent), str(SUPPORT), env.get("PYTHONPATH", "")]
    )
    config = Config("granian", args.workers)
    started = time.perf_counter()
    asyncio.run(seed(args.tasks, submitter))
    seeded = time.perf_counter() - started
    created = cli("users", "create", login, "--kind", "staff", "--tenant", TENANT)
    cli("roles", "grant", login, "window_clerk", "--tenant", TENANT)
    open_tasks = admin_sql(
        f"SELECT count(*) FROM case_tasks t JOIN cases c ON c.tenant_id = t.tenant_id"
        f" AND c.id = t.case_id WHERE t.tenant_id = {tenant_id} AND t.role = 'window_clerk'"
        " AND t.department IS NULL AND t.assignee IS NULL"
    )
    platform = bare_server = None
    samples: dict[tuple[str, int], list[dict[str, float]]] = {}
    try:
        platform = start_server("platform", "yiwang.app:asgi", config, env, workdir / "p.log")
        bearer = clerk_token(platform.url(""), login, str(created["activation_code"]))
        headers = {"Authorization": f"Bearer {bearer}", "Accept": HTML}
        page = fetch(platform.url(PAGE), headers)
        rows = page.count(b'<tr class="task ')
        if rows != min(50, int(open_tasks)):
            raise SystemExit(f"the inbox page shows {rows} tasks of {open_tasks}")
        (workdir / "inbox.html").write_bytes(page)
        if args.in_process:
            stop_server(platform)
            platform = None
            in_process(args, env, bearer)
            return
        bare_server = start_server("bare", "console_inbox:bare", config, env, workdir / "b.log")
        urls = {"platform": platform.url(PAGE), "bare": bare_server.url(BARE_PAGE)}
        for connections in args.connections:
            for side in ("platform", "bare"):
                wrk(urls[side], connections, args.warmup, headers)
                samples[(side, connections)] = []
        for n in range(args.rounds):
            for connections in args.connections:
                sides = ("platform", "bare") if n % 2 == 0 else ("bare", "platform")
                for side in sides:
                    result = wrk(urls[side], connections, args.seconds, headers)
                    samples[(side, connections)].append(result)
                    print(f"round {n + 1} {side} c{connections}: {result}", file=sys.stderr)
    finally:
        for server in (platform, bare_server):
            if server is not None:
                stop_server(server)
        purge(tenant_id, submitter, login)
        shutil.rmtree(workdir, ignore_errors=True)

    def med(side: str, connections: int, key: str) -> float:
        values = samples[(side, connections)]
        if key == "rps":
            return statistics.median(r["requests"] / (r["duration_us"] / 1e6) for r in values)
        return statistics.median(r[key] / 1000 for r in values)

    print(f"seeded {args.tasks} cases in {seeded:.1f} s; the clerk's open tasks: {open_tasks}")
    print(f"page bytes: {len(page):,}; load average: {os.getloadavg()}")
    print(
        "| connections | req/s | p50 ms | p95 ms | p99 ms "
        "| bare req/s | bare p95 ms | ratio req/s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in args.connections:
        p_rps, b_rps = med("platform", c, "rps"), med("bare", c, "rps")
        print(
            f"| {c} | {p_rps:,.0f} | {med('platform', c, 'p50_us'):.1f} "
            f"| {med('platform', c, 'p95_us'):.1f} | {med('platform', c, 'p99_us'):.1f} "
            f"| {b_rps:,.0f} | {med('bare', c, 'p95_us'):.1f} | {p_rps / b_rps:.2f} |"
        )


if __name__ == "__main__":
    main()
