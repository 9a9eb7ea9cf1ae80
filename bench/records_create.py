"""Creating an application over HTTP, next to a hand-written Litestar endpoint.

The platform's route `POST /api/v1/t/620102/services/{id}/applications` (a
signed-in citizen; guard, strict JSON edge, Idempotency-Key claim, validation
of the applicant data and the business form against the effective model,
personal data sealed, RLS-scoped insert, history row, audit record, the
idempotent answer stored) against `bench/support/records_baseline.py`, which
decodes the same body and inserts it into a fixed table. Both run under
`yiwang serve` with the same server and worker count; wrk posts the same body
with a fresh Idempotency-Key per request, platform and baseline alternating in
interleaved rounds, on loopback only; the servers stop at the end.

    eval "$(scripts/services.sh env test)"; uv run python bench/records_create.py

Needs the test services, `wrk`, and a bootstrapped database (`yiwang bootstrap`:
the samples hold the service item applied for). The citizen signs in through
the SMS routes (the development gateway writes the code to a file).
Options: `--rounds`, `--seconds`, `--connections`, `--threads`.
Beside req/s and latency it reports the server's CPU per request (every process of
the server, from `/proc`: `http_load.server_cpu_seconds`).

`--in-process N [--profile FILE]`: no server and no wrk; N applications one at a
time through the ASGI app in this process (`support/apply_in_process.py`): the
median, the statements per request and, with `--profile`, cProfile's stats.

`--cases N` (issue 12: "10,000 cases through the HTTP API at 10 connections"): exactly N
applications posted at `--connections` (the load stops by itself when every answer is
read), for `--rounds` rounds next to the hand-written endpoint; reports cases per second
and checks that N cases and N applications were made and that their numbers are
gapless (`bench/cases_http.py`, which this runs).

`--in-process N --against SRC [--rounds R]`: the same, R rounds alternating between
this checkout's package and the package at SRC (another checkout's `src`, e.g. from
`git archive`), each in a fresh process against the same database; prints a table
with each side's medians and the ratio this checkout / SRC.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from http_load import SUPPORT, Config, Server, server_cpu_seconds, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
TENANT = "620102"
APPLICANT: dict[str, Any] = {
    "applicant_type": "1",
    "applicant_name": "张三丰",
    "id_type": "id_card",
    "id_number": "620102199001011233",
    "contact_name": "张三丰",
    "contact_phone": "13912345678",
    "delivery_method": "window",
}
BUSINESS: dict[str, Any] = {
    "operator_name": "张三丰",
    "operator_id_number": "620102199001011233",
    "operator_phone": "13912345678",
    "operation_form": "family",
    "family_members": [
        {"member_name": "李四娘", "member_id_number": "620102199202021243", "relation": "spouse"}
    ],
    "premises_address": "兰州市城关区张掖路 1 号",
    "premises_division": "620102",
    "industry": "F",
    "business_scope": "日用百货零售",
    "capital": 5_000_000,
    "employees": 2,
}


def admin_sql(sql: str) -> str:
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    url = os.environ["YIWANG_PG_ADMIN_URL"].rsplit("/", 1)[0] + "/" + database()
    out = subprocess.run(
        [str(pgbin / "psql"), url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def database() -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[1]


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer


def citizen_token(server: Server, sms_log: Path) -> str:
    phone = "1370" + str(int(time.time()) % 10**7).zfill(7)
    post_json(server.url("/api/v1/auth/sms/code"), {"phone": phone})
    lines = [json.loads(x) for x in sms_log.read_text().splitlines() if x.strip()]
    code = re.search(r"验证码为 (\d{6})", lines[-1]["text"])
    assert code is not None, lines[-1]
    signed = post_json(server.url("/api/v1/auth/sms/login"), {"phone": phone, "code": code[1]})
    return str(signed["token"])


def wrk_post(url: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write((SUPPORT / "wrk_post.lua").read_text())
        script.write((SUPPORT / "wrk_report.lua").read_text())
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
    command += ["--timeout", "10s", "-s", script.name, url]
    out = subprocess.run(
        command, check=True, capture_output=True, text=True, env={**os.environ, **env}
    ).stdout
    os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK_RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("WRK_RESULT "))
    if result["socket_errors"] or result["non_2xx"]:
        raise RuntimeError(f"wrk saw errors on {url}: {result}")
    return result


def compare_in_process(args: argparse.Namespace) -> None:
    """Alternate fresh in-process runs of this checkout and of the package at `--against`."""
    other = Path(tempfile.mkdtemp(prefix="records-against-"))
    (other / "yiwang").symlink_to(Path(args.against).resolve())
    sides = {"this": os.environ.get("PYTHONPATH", ""), "against": str(other)}
    found: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    command = [sys.executable, __file__, "--in-process", str(args.in_process)]
    for n in range(args.rounds):
        for side, path in sides.items():
            env = {**os.environ, "PYTHONPATH": path}
            out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            found[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            row = found[side][-1]
            print(f"round {n + 1} {side}: {json.dumps(row)}", file=sys.stderr)
    keys = ("p50_ms", "mean_ms", "cpu_ms_per_request", "statements_per_request")
    print(f"{args.rounds} alternating rounds of {args.in_process} applications (medians)")
    print("| run | p50 ms | mean ms | CPU ms / request | statements |")
    print("| --- | --- | --- | --- | --- |")
    for side, label in (("against", f"against {args.against}"), ("this", "this checkout")):
        for n, row in enumerate(found[side]):
            cells = " | ".join(f"{row[k]:.2f}" for k in keys)
            print(f"| {label}, round {n + 1} | {cells} |")
    median = {s: {k: statistics.median(r[k] for r in found[s]) for k in keys} for s in sides}
    ratio = " | ".join(f"{median['this'][k] / median['against'][k]:.2f}" for k in keys)
    print(f"| this / against (medians) | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--in-process", type=int, default=0, metavar="N")
    parser.add_argument("--profile", default=None, metavar="FILE")
    parser.add_argument("--against", default=None, metavar="SRC")
    parser.add_argument("--cases", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.cases:
        import cases_http

        sys.argv = [cases_http.__file__, "--cases", str(args.cases)]
        sys.argv += ["--connections", str(args.connections), "--rounds", str(args.rounds)]
        sys.argv += ["--workers", str(args.workers)]
        cases_http.main()
        return
    if args.in_process and args.against:
        compare_in_process(args)
        return
    service = admin_sql(
        f"SELECT id FROM records WHERE number = '{TENANT}-S-service_item-1'"
        f" AND tenant_id = (SELECT id FROM tenants WHERE code = '{TENANT}')"
    )
    tenant_id = admin_sql(f"SELECT id FROM tenants WHERE code = '{TENANT}'")
    if not service:
        raise SystemExit("no sample service item: run `yiwang bootstrap` first")
    if args.in_process:
        import apply_in_process

        payload = {"data": APPLICANT, "form": BUSINESS}
        found = apply_in_process.main(int(service), TENANT, payload, args.in_process, args.profile)
        print(json.dumps(found))
        return
    from records_baseline import DDL

    admin_sql(DDL)
    admin_sql("GRANT SELECT, INSERT ON bench_applications TO yiwang_app")
    workdir = Path(tempfile.mkdtemp(prefix="records-create-"))
    sms_log = workdir / "sms.log"
    env = dict(os.environ, YIWANG_SMS_LOG=str(sms_log))
    env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")])
    config = Config("granian", args.workers)
    body = workdir / "body.json"
    body.write_text(json.dumps({"data": APPLICANT, "form": BUSINESS}, ensure_ascii=False))
    mine = f"tenant_id = {tenant_id}"
    count_made = f"SELECT count(*) FROM records WHERE type_key = 'application' AND {mine}"
    count_history = f"SELECT count(*) FROM record_history WHERE {mine}"
    before, history_before = int(admin_sql(count_made)), int(admin_sql(count_history))
    platform = start_server("platform", "yiwang.app:asgi", config, env, workdir / "p.log")
    bare = start_server("bare", "records_baseline:create", config, env, workdir / "b.log")
    samples: dict[str, list[dict[str, float]]] = {"platform": [], "bare": []}
    servers = {"platform": platform, "bare": bare}
    try:
        auth = f"Bearer {citizen_token(platform, sms_log)}"
        urls = {
            "platform": platform.url(f"/api/v1/t/{TENANT}/services/{service}/applications"),
            "bare": bare.url(f"/bare/t/{tenant_id}/services/{service}/applications"),
        }
        for side in ("platform", "bare"):  # warm: models, validators, pools (not counted)
            warm = argparse.Namespace(**{**vars(args), "seconds": 3})
            wrk_env = {"WRK_BODY": str(body), "WRK_AUTH": auth, "WRK_RUN": f"warm-{time.time_ns()}"}
            wrk_post(urls[side], warm, wrk_env)
        time.sleep(2)  # requests wrk cut off at the end of the warm-up land now
        before, history_before = int(admin_sql(count_made)), int(admin_sql(count_history))
        for n in range(args.rounds):
            for side in ("platform", "bare"):
                run = f"{side}-{n}-{time.time_ns()}"
                wrk_env = {"WRK_BODY": str(body), "WRK_AUTH": auth, "WRK_RUN": run}
                cpu = server_cpu_seconds(servers[side])
                sample = wrk_post(urls[side], args, wrk_env)
                sample["server_cpu_s"] = server_cpu_seconds(servers[side]) - cpu
                samples[side].append(sample)
    finally:
        stop_server(platform)
        stop_server(bare)
    made = int(admin_sql(count_made)) - before
    history = int(admin_sql(count_history)) - history_before
    sent = int(sum(s["requests"] for s in samples["platform"]))
    print(json.dumps(samples))
    # wrk counts the answers it read; up to one request per connection is cut off at the end
    in_flight = args.connections * args.rounds
    if not (sent <= made <= sent + in_flight and history == made):
        raise SystemExit(f"{sent} requests made {made} applications and {history} history rows")

    def rate(s: dict[str, float]) -> float:
        return s["requests"] / (s["duration_us"] / 1e6)

    rows = {}
    for side in ("platform", "bare"):
        rows[side] = {
            "rps": statistics.median(rate(s) for s in samples[side]),
            "p50": statistics.median(s["p50_us"] for s in samples[side]) / 1000,
            "p95": statistics.median(s["p95_us"] for s in samples[side]) / 1000,
            "cpu": statistics.median(s["server_cpu_s"] / s["requests"] for s in samples[side])
            * 1000,
        }
    print(
        f"granian x{args.workers}, {args.connections} connections, {args.rounds} rounds x "
        f"{args.seconds} s; {sent} applications stored, each with its history row"
    )
    print("| endpoint | req/s | p50 (ms) | p95 (ms) | server CPU ms / request |")
    print("| --- | --- | --- | --- | --- |")
    for side, label in (("platform", "platform apply"), ("bare", "hand-written baseline")):
        r = rows[side]
        print(f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['cpu']:.2f} |")
    print(
        f"| ratio platform / baseline | {rows['platform']['rps'] / rows['bare']['rps']:.2f} | "
        f"{rows['platform']['p50'] / rows['bare']['p50']:.2f} | "
        f"{rows['platform']['p95'] / rows['bare']['p95']:.2f} | "
        f"{rows['platform']['cpu'] / rows['bare']['cpu']:.2f} |"
    )


if __name__ == "__main__":
    main()
