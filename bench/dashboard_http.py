"""The supervision dashboard page over HTTP at 10 connections: p95, next to a bare
Litestar route answering the same bytes, both served the same way in the same run.

Starts the platform and the bare app of `bench/support/bare_app.py` through
`yiwang serve` with the same settings (`bench/http_load.py`'s servers), makes a
province supervisor (`yiwang users create`, `yiwang roles grant --subtree`, then the
activation over HTTP as a person would, TOTP included), saves the page the platform
answers as the bare app's body, and runs wrk against both in interleaved rounds on
127.0.0.1, the platform with the supervisor's bearer token. The servers stop at the
end whatever happens.

What one request of the page does: the metrics by tenant over the whole scope (the
province: 103 tenants), the region's departments, and the red and yellow lists
(two cross-tenant pages), then the template. Warm: wrk runs `--warmup` seconds
against each server before the timed rounds.

    eval "$(scripts/services.sh env test)"; uv run yiwang bench seed --cases 100000
    uv run python bench/dashboard_http.py [--period 2026-11] [--region 620000]
        [--rounds 3] [--seconds 10] [--connections 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pyotp
from http_load import (
    SUPPORT,
    Config,
    Samples,
    Server,
    default_config,
    start_server,
    stop_server,
    wrk,
)

PASSWORD = "Bench-Dash#2031x"


def _cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args], check=True, capture_output=True, text=True
    )
    return done.stdout


def _post(url: str, body: dict[str, str]) -> dict[str, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        answer: dict[str, str] = json.loads(resp.read())
        return answer


def supervisor_token(platform: Server, tenant: str) -> str:
    """A new province (or prefecture) supervisor, activated over HTTP; its bearer token."""
    login = f"bench.dash.{uuid.uuid4().hex[:8]}"
    created = json.loads(_cli("users", "create", login, "--kind", "staff", "--tenant", tenant))
    role = "province_supervisor" if len(tenant) == 6 and tenant.endswith("0000") else "supervisor"
    _cli("roles", "grant", login, role, "--tenant", tenant, "--subtree")
    body = {"login": login, "code": created["activation_code"], "password": PASSWORD}
    started = _post(platform.url("/api/v1/auth/activation"), body)
    secret = pyotp.parse_uri(started["totp_uri"]).secret
    code = pyotp.TOTP(secret).at(int(time.time()) + 30)
    return _post(platform.url("/api/v1/auth/activation/confirm"), {**body, "totp": code})["token"]


def fetch_page(url: str, token: str) -> bytes:
    """The page once the server's policy has the grant (its workers poll for changes)."""
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                body: bytes = resp.read()
                return body
        except urllib.error.HTTPError as exc:
            if exc.code != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="620000", help="the supervisor's tenant (path)")
    parser.add_argument("--region", default=None, help="the region shown (default: tenant)")
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it)")
    subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "bootstrap"], check=True, stdout=subprocess.DEVNULL
    )
    config: Config = default_config()
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-dashboard-"))
    (workdir / "bodies").mkdir()
    env = dict(os.environ, YIWANG_BARE_BODIES=str(workdir / "bodies"))
    env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    region = args.region or args.tenant
    path = f"/console/t/{args.tenant}/subtree/supervision?region={region}&period={args.period}"
    samples = {"platform": Samples(), "bare": Samples()}
    servers: dict[str, Server] = {}
    try:
        servers["platform"] = start_server(
            "platform", "yiwang.app:asgi", config, env, workdir / "platform.log"
        )
        token = supervisor_token(servers["platform"], args.tenant)
        page = fetch_page(servers["platform"].url(path), token)
        (workdir / "bodies" / "dashboard.html").write_bytes(page)
        servers["bare"] = start_server("bare", "bare_app:create", config, env, workdir / "bare.log")
        targets = {
            "platform": (servers["platform"].url(path), [f"Authorization: Bearer {token}"]),
            "bare": (servers["bare"].url("/bare/dashboard"), []),
        }
        for url, headers in targets.values():
            wrk(url, args, args.warmup, headers)
        for n in range(args.rounds):
            order = ["platform", "bare"] if n % 2 == 0 else ["bare", "platform"]
            for side in order:
                url, headers = targets[side]
                result = wrk(url, args, args.seconds, headers)
                s = samples[side]
                s.rps.append(result["requests"] / (result["duration_us"] / 1e6))
                s.p50.append(result["p50_us"] / 1000)
                s.p95.append(result["p95_us"] / 1000)
                s.p99.append(result["p99_us"] / 1000)
                print(
                    f"round {n + 1} {side:8}: {s.rps[-1]:,.1f} req/s p95 {s.p95[-1]:.1f} ms",
                    file=sys.stderr,
                )
    finally:
        for server in servers.values():
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)
    med = statistics.median
    p, b = samples["platform"], samples["bare"]
    print(
        f"{config.label}; wrk -t{args.threads} -c{args.connections}, {args.rounds} interleaved "
        f"rounds of {args.seconds} s on 127.0.0.1, medians of the rounds; page {len(page):,} "
        f"bytes; GET {path}\n"
    )
    print("| app | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, s in (("dashboard page (platform)", p), ("bare Litestar route, same bytes", b)):
        print(
            f"| {name} | {med(s.rps):,.1f} | {med(s.p50):.1f} | {med(s.p95):.1f} "
            f"| {med(s.p99):.1f} |"
        )
    print(f"\nratio p95 platform / bare: {med(p.p95) / med(b.p95):.1f}")


if __name__ == "__main__":
    main()
