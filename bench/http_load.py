"""The platform over HTTP, each route next to a bare Litestar route of the same kind.

Starts two servers through `yiwang serve` (so both get the same server, worker
count, event loop, HTTP parser, TCP_NODELAY socket and access-log mode): the
platform, and the bare app of `bench/support/bare_app.py`, which answers
bodies of the same size as the platform did in this run (saved from it first)
with no middleware, guard, database or template. wrk then loads one route at a
time, platform and bare alternating, in interleaved rounds, on loopback only;
the servers are stopped at the end whatever happens.

    eval "$(scripts/services.sh env test)"; uv run python bench/http_load.py

needs the test services (`make bench` starts them) and Debian's `wrk`; it runs
`yiwang bootstrap` first, which onboards and publishes only what is missing.
Options: `--rounds`, `--seconds`, `--connections`, `--threads`, `--routes`;
`--configs SERVER:WORKERS[:untuned] ...` runs several server settings side by
side, interleaved in the same rounds (how the server was chosen; `untuned`
leaves Python's collector as it is), instead of the settings `yiwang serve`
would use; `--gc-stats` times every garbage collection in the servers
(bench/support/gcstats) and adds a table. Figures: median over the rounds of
req/s and of wrk's p50/p95/p99.
(Not `bench/http.py`: run as a script, that name would shadow Python's `http`.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUPPORT = ROOT / "bench" / "support"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    bare_path: str
    body_file: str
    #: every request a query string of its own (`wrk_fresh_query.lua`): no kept page answers
    fresh: bool = False


ROUTES = (
    Route("/healthz", "/healthz", "/bare/healthz", "healthz.json"),
    Route("GET /api/v1/tenants", "/api/v1/tenants", "/bare/tenants", "tenants.json"),
    Route(
        "form descriptor",
        "/api/v1/t/620102/forms/food_business_license/apply",
        "/bare/descriptor",
        "descriptor.json",
    ),
    Route("subsite home /r/620102/", "/r/620102/", "/bare/subsite", "subsite.html"),
    # the portal's pages that read the database: `{food}` is the sample guide's id
    Route("item page (a service guide)", "/r/620102/services/{food}", "/bare/item", "item.html"),
    Route("list page (power list)", "/r/620000/open/power_item", "/bare/list", "list.html"),
    # the same list through the public JSON API: what the page costs beyond its data
    Route(
        "public list API (power list, JSON)",
        "/api/v1/t/620000/public/records/power_item",
        "/bare/list_api",
        "list_api.html",
    ),
    Route(
        "search (county + prefecture + province)",
        "/r/620102/services?q=%E9%A3%9F%E5%93%81",  # 食品
        "/bare/search",
        "search.html",
    ),
    # the same search rendered for every request: what a query nobody asked before costs
    Route(
        "search, a fresh render per request",
        "/r/620102/services?q=%E9%A3%9F%E5%93%81",
        "/bare/search",
        "search.html",
        fresh=True,
    ),
)
#: the id of the record an item page shows, looked up in the run (`resolve_routes`)
FOOD_GUIDE_QUERY = (
    "/api/v1/t/620102/public/records/service_item?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5"
)


@dataclass(frozen=True)
class Config:
    """One set of server settings: both apps run on it."""

    server: str
    workers: int
    gc_tuned: bool = True

    @classmethod
    def parse(cls, text: str) -> Config:
        server, workers, *rest = text.split(":")
        return cls(server, int(workers), gc_tuned=rest != ["untuned"])

    @property
    def label(self) -> str:
        return f"{self.server} x{self.workers}" + ("" if self.gc_tuned else ", GC untuned")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"


@dataclass
class Samples:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    gc: list[dict[str, Any]] = field(default_factory=list)


def free_port() -> int:
    """A port nobody listens on. granian binds with SO_REUSEPORT, so a stale server on
    the same port would silently share the load: refuse a port that answers."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = int(s.getsockname()[1])
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) != 0:
                return port
    raise RuntimeError("no free port")


def start_server(name: str, app: str, config: Config, env: dict[str, str], log: Path) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "yiwang.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--app",
        app,
        "--server",
        config.server,
        "--workers",
        str(config.workers),
    ]
    env = dict(env, YIWANG_GC_TUNED="1" if config.gc_tuned else "0")
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited:\n{log.read_text()[-3000:]}")
        for probe in ("/healthz", "/bare/healthz"):
            url = server.url(probe)
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return server
        time.sleep(0.5)
    raise RuntimeError(f"{name} server did not start:\n{log.read_text()[-3000:]}")


def server_cpu_seconds(server: Server) -> float:
    """User and system CPU so far of every process of `server` (its session: the server
    and its workers), from `/proc/PID/stat`; processes that exited are not counted."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == server.process.pid:  # field 6, the session id
                total += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
    return total / ticks


def stop_server(server: Server, timeout: float = 30) -> None:
    """SIGTERM (the server drains and stops its workers), then SIGKILL past the bound."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        if resp.status != 200:
            raise RuntimeError(f"{url} answered {resp.status}")
        body: bytes = resp.read()
        return body


def wrk(
    url: str,
    args: argparse.Namespace,
    seconds: int,
    headers: Sequence[str] = (),
    fresh: bool = False,
) -> dict[str, float]:
    """One wrk run on `url`; `headers` are `Name: value` lines sent with every request;
    `fresh` gives every request a query string of its own."""
    with tempfile.TemporaryDirectory(prefix="yiwang-wrk-") as folder:
        report = SUPPORT / "wrk_report.lua"
        if fresh:
            script = Path(folder) / "fresh.lua"
            script.write_text((SUPPORT / "wrk_fresh_query.lua").read_text() + report.read_text())
            report = script
        out = subprocess.run(
            [
                "wrk",
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(report),
                *(part for header in headers for part in ("-H", header)),
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("WRK_RESULT "))
    if result["socket_errors"] or result["non_2xx"]:
        raise RuntimeError(f"wrk saw errors on {url}: {result}")
    return result


def gc_totals(stats_dir: Path | None, server: Server) -> dict[str, Any]:
    """Sums of (count, seconds) per generation over the server's processes, and every
    full collection as (end time, seconds)."""
    totals: dict[str, Any] = {str(g): [0.0, 0.0] for g in range(3)}
    totals["full"] = []
    if stats_dir is None:
        return totals
    time.sleep(1.2)  # the writers dump twice a second
    for path in (stats_dir / server.name).glob("*.json"):
        with contextlib.suppress(ValueError, OSError):
            data = json.loads(path.read_text())
            for gen, (count, total, _longest) in data["generations"].items():
                totals[gen][0] += count
                totals[gen][1] += total
            totals["full"] += data["full"]
    return totals


def gc_delta(before: dict[str, Any], after: dict[str, Any], since: float) -> dict[str, Any]:
    """Collections during one wrk run: counts and seconds per generation, longest full."""
    out: dict[str, Any] = {
        g: [after[g][0] - before[g][0], after[g][1] - before[g][1]] for g in ("0", "1", "2")
    }
    out["longest_full"] = max((t for end, t in after["full"] if end >= since), default=0.0)
    return out


Key = tuple[Config, str, str]  # config, "platform" or "bare", route name


@contextlib.contextmanager
def servers(
    configs: list[Config], args: argparse.Namespace, workdir: Path
) -> Iterator[dict[tuple[Config, str], Server]]:
    """Both apps on every config; the bare bodies are what the first platform answered."""
    env = dict(os.environ)
    env["YIWANG_BARE_BODIES"] = str(workdir / "bodies")
    paths = [str(SUPPORT)]
    if args.gc_stats:
        paths.insert(0, str(SUPPORT / "gcstats"))
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    started: dict[tuple[Config, str], Server] = {}
    try:
        for n, config in enumerate(configs):
            for side, app in (("platform", "yiwang.app:asgi"), ("bare", "bare_app:create")):
                name = f"{side}-{n}"
                side_env = dict(env)
                if args.gc_stats:
                    (workdir / "gc" / name).mkdir(parents=True)
                    side_env["YIWANG_GC_STATS_DIR"] = str(workdir / "gc" / name)
                server = start_server(name, app, config, side_env, workdir / f"{name}.log")
                started[(config, side)] = server
                if side == "platform" and n == 0:
                    save_bodies(server, workdir / "bodies")
        yield started
    finally:
        for server in started.values():
            stop_server(server)


def resolve_routes(platform: Server) -> None:
    """Fill in the ids the routes name, from the platform's own public list."""
    global ROUTES
    items = json.loads(fetch(platform.url(FOOD_GUIDE_QUERY)))["items"]
    food = str(items[0]["id"])
    ROUTES = tuple(replace(r, path=r.path.replace("{food}", food)) for r in ROUTES)


def save_bodies(platform: Server, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    resolve_routes(platform)
    for route in ROUTES:
        (folder / route.body_file).write_bytes(fetch(platform.url(route.path)))


def measure(
    configs: list[Config], args: argparse.Namespace
) -> tuple[dict[Key, Samples], dict[str, int]]:
    results: dict[Key, Samples] = {}
    sizes: dict[str, int] = {}
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-http-"))
    try:
        with servers(configs, args, workdir) as running:
            # after the bodies are saved: the routes' ids are known only then
            routes = [r for r in ROUTES if not args.routes or r.name in args.routes]
            gc_dir = workdir / "gc" if args.gc_stats else None
            for route in routes:
                sizes[route.name] = len(fetch(running[(configs[0], "platform")].url(route.path)))
                for (config, side), server in running.items():
                    path = route.path if side == "platform" else route.bare_path
                    wrk(server.url(path), args, args.warmup, fresh=route.fresh)
                    results[(config, side, route.name)] = Samples()
            for n in range(args.rounds):
                # rotate the order each round, so drift in the machine's load hits all alike
                order = [(c, side) for c in configs for side in ("platform", "bare")]
                shift = n % len(order)
                order = order[shift:] + order[:shift]
                for route in routes:
                    for config, side in order:
                        server = running[(config, side)]
                        path = route.path if side == "platform" else route.bare_path
                        before = gc_totals(gc_dir, server)
                        since = time.time()
                        result = wrk(server.url(path), args, args.seconds, fresh=route.fresh)
                        after = gc_totals(gc_dir, server)
                        s = results[(config, side, route.name)]
                        s.rps.append(result["requests"] / (result["duration_us"] / 1e6))
                        s.p50.append(result["p50_us"] / 1000)
                        s.p95.append(result["p95_us"] / 1000)
                        s.p99.append(result["p99_us"] / 1000)
                        s.gc.append(gc_delta(before, after, since))
                        print(
                            f"round {n + 1} {config.label} {side:8} {route.name}: "
                            f"{s.rps[-1]:,.0f} req/s p99 {s.p99[-1]:.1f} ms",
                            file=sys.stderr,
                        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results, sizes


def med(values: list[float]) -> float:
    return statistics.median(values)


def table(config: Config, results: dict[Key, Samples], sizes: dict[str, int]) -> list[str]:
    lines = [
        "| route | bytes | req/s | p50 ms | p95 ms | p99 ms | p99/p50 "
        "| bare req/s | bare p50 ms | bare p99 ms | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for route in ROUTES:
        if (config, "platform", route.name) not in results:
            continue
        p, b = results[(config, "platform", route.name)], results[(config, "bare", route.name)]
        lines.append(
            f"| {route.name} | {sizes[route.name]:,} | {med(p.rps):,.0f} | {med(p.p50):.1f} "
            f"| {med(p.p95):.1f} | {med(p.p99):.1f} | {med(p.p99) / med(p.p50):.1f} "
            f"| {med(b.rps):,.0f} | {med(b.p50):.1f} | {med(b.p99):.1f} "
            f"| {med(p.rps) / med(b.rps):.2f} |"
        )
    return lines


def comparison(configs: list[Config], results: dict[Key, Samples]) -> list[str]:
    """req/s and p99 of every config side by side, for both apps."""
    lines = [
        "| route | app | " + " | ".join(c.label for c in configs) + " |",
        "| --- | --- | " + " | ".join("---" for _ in configs) + " |",
    ]
    for route in ROUTES:
        for side in ("platform", "bare"):
            if (configs[0], side, route.name) not in results:
                continue
            cells = []
            for c in configs:
                r = results[(c, side, route.name)]
                cells.append(f"{med(r.rps):,.0f} req/s, p99 {med(r.p99):.0f} ms")
            lines.append(f"| {route.name} | {side} | " + " | ".join(cells) + " |")
    return lines


def gc_table(config: Config, results: dict[Key, Samples], args: argparse.Namespace) -> list[str]:
    lines = [
        f"| route | app | full collections per {args.seconds} s | full ms (total) "
        "| longest full ms | young+middle collections | young+middle ms (total) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (c, side, name), s in results.items():
        if c != config:
            continue
        full_n = med([d["2"][0] for d in s.gc])
        full_ms = med([d["2"][1] * 1000 for d in s.gc])
        longest = max(d["longest_full"] * 1000 for d in s.gc)
        young_n = med([d["0"][0] + d["1"][0] for d in s.gc])
        young_ms = med([(d["0"][1] + d["1"][1]) * 1000 for d in s.gc])
        lines.append(
            f"| {name} | {side} | {full_n:.0f} | {full_ms:.1f} | {longest:.1f} "
            f"| {young_n:.0f} | {young_ms:.1f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="*", type=Config.parse, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--routes", nargs="*", default=None, help="route names to run")
    parser.add_argument("--gc-stats", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it)")
    configs = args.configs or [default_config()]
    subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "bootstrap"], check=True, stdout=subprocess.DEVNULL
    )
    results, sizes = measure(configs, args)
    print(
        f"wrk -t{args.threads} -c{args.connections}, {args.rounds} interleaved rounds of "
        f"{args.seconds} s on 127.0.0.1; medians of the rounds; "
        "ratio = platform req/s / bare req/s on the same server settings"
    )
    for config in configs:
        print(f"\n{config.label}\n")
        print("\n".join(table(config, results, sizes)))
        if args.gc_stats:
            print()
            print("\n".join(gc_table(config, results, args)))
    if len(configs) > 1:
        print()
        print("\n".join(comparison(configs, results)))


def default_config() -> Config:
    """What `yiwang serve` would run with these settings."""
    from yiwang.platform import serving
    from yiwang.platform.settings import Settings

    chosen = serving.plan(Settings.from_env())
    return Config(chosen.server, chosen.workers, Settings.from_env().gc_tuned)


if __name__ == "__main__":
    main()
