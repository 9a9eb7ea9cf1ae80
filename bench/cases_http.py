"""10,000 cases through the HTTP API at 10 connections, next to the bare create endpoint.

A real `yiwang serve` (granian, one worker per core) on loopback;
`support/post_load.py` posts the application body of `bench/records_create.py` to
`POST /api/v1/t/620102/services/{id}/applications` as a signed-in citizen, a
fresh Idempotency-Key per request, exactly `--cases` requests over
`--connections` keep-alive connections: the load stops by itself. Each
answer is an application record and its opened case (number, timeline,
outbox, tasks, audit records). The baseline, in the same run and with the
same client, connections and count, is the hand-written endpoint of the create bench
(`support/records_baseline.py`: decode, one INSERT, answer). Platform and
baseline alternate for `--rounds` rounds after a warm-up of each (not
counted). The script checks that every answered request opened one case, and that
the round's case numbers are gapless: on each day, the serials of the cases it opened
run from their first to the day's counter with no number missing or repeated.

    eval "$(scripts/services.sh env test)"; uv run yiwang bootstrap
    uv run python bench/cases_http.py [--cases 10000] [--connections 10] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from http_load import SUPPORT, Config, server_cpu_seconds, start_server, stop_server
from post_load import run_posts
from records_create import APPLICANT, BUSINESS, TENANT, admin_sql, citizen_token

BODY = json.dumps({"data": APPLICANT, "form": BUSINESS}, ensure_ascii=False).encode()


def post_count(url: str, args: argparse.Namespace, count: int, auth: str) -> dict[str, Any]:
    """POST the body `count` times at `--connections`; stops when every answer is read."""
    parsed = urlsplit(url)
    assert parsed.hostname == "127.0.0.1" and parsed.port is not None  # loopback only
    result = run_posts(
        host=parsed.hostname,
        port=parsed.port,
        path=parsed.path,
        body=BODY,
        count=count,
        connections=args.connections,
        run=f"{parsed.port}-{time.time_ns()}",
        headers={"Authorization": auth},
    )
    if result["non_2xx"] or result["requests"] != count:
        raise RuntimeError(f"{url}: {result}")
    return result


def numbers_gapless(tenant_id: str, after_id: int) -> bool:
    """Whether the cases opened since `after_id` are numbered without a gap or a repeat:
    on each day, their serials are distinct, consecutive, and end at the day's counter."""
    rows = admin_sql(
        "SELECT s.day, count(*), count(DISTINCT s.serial), min(s.serial), max(s.serial),"
        " (SELECT k.last FROM case_counters k WHERE k.tenant_id = "
        + tenant_id
        + " AND to_char(k.day, 'YYYYMMDD') = s.day)"
        " FROM (SELECT substring(number from '-([0-9]{8})-[0-9]+$') AS day,"
        " substring(number from '([0-9]+)$')::int AS serial"
        f" FROM cases WHERE tenant_id = {tenant_id} AND id > {after_id}) s GROUP BY s.day"
    )
    for line in rows.splitlines():
        _, n, distinct, low, high, last = (int(x) if x.isdigit() else x for x in line.split("|"))
        if not (n == distinct == high - low + 1 and high == last):
            print(f"numbers with a gap or a repeat: {line}", file=sys.stderr)
            return False
    return bool(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--warm", type=int, default=500, help="requests per side, not counted")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    tenant_id = admin_sql(f"SELECT id FROM tenants WHERE code = '{TENANT}'")
    service = admin_sql(
        f"SELECT id FROM records WHERE number = '{TENANT}-S-service_item-1'"
        f" AND tenant_id = {tenant_id or 0}"
    )
    if not service:
        raise SystemExit("no sample service item: run `yiwang bootstrap` first")
    from records_baseline import DDL

    admin_sql(DDL)
    admin_sql("GRANT SELECT, INSERT ON bench_applications TO yiwang_app")
    workdir = Path(tempfile.mkdtemp(prefix="cases-http-"))
    sms_log = workdir / "sms.log"
    env = dict(os.environ, YIWANG_SMS_LOG=str(sms_log))
    env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")])
    config = Config("granian", args.workers)
    count_cases = f"SELECT count(*) FROM cases WHERE tenant_id = {tenant_id}"
    count_with_case = (
        f"SELECT count(*) FROM records r WHERE r.tenant_id = {tenant_id}"
        " AND r.type_key = 'application' AND EXISTS (SELECT 1 FROM cases c"
        f" WHERE c.tenant_id = {tenant_id} AND c.record_id = r.id)"
    )
    count_records = (
        f"SELECT count(*) FROM records WHERE tenant_id = {tenant_id} AND type_key = 'application'"
    )
    counts = (count_cases, count_records, count_with_case)
    last_id = f"SELECT coalesce(max(id), 0) FROM cases WHERE tenant_id = {tenant_id}"
    platform = start_server("platform", "yiwang.app:asgi", config, env, workdir / "p.log")
    bare = start_server("bare", "records_baseline:create", config, env, workdir / "b.log")
    samples: dict[str, list[dict[str, Any]]] = {"platform": [], "bare": []}
    made: list[tuple[int, int, int]] = []
    gapless: list[bool] = []
    try:
        auth = f"Bearer {citizen_token(platform, sms_log)}"
        urls = {
            "platform": platform.url(f"/api/v1/t/{TENANT}/services/{service}/applications"),
            "bare": bare.url(f"/bare/t/{tenant_id}/services/{service}/applications"),
        }
        for side in ("platform", "bare"):  # warm: models, validators, pools (not counted)
            post_count(urls[side], args, args.warm, auth)
        for _ in range(args.rounds):
            for side in ("platform", "bare"):
                before = [int(admin_sql(q)) for q in counts]
                first_id = int(admin_sql(last_id))
                server = platform if side == "platform" else bare
                cpu = server_cpu_seconds(server)
                sample = post_count(urls[side], args, args.cases, auth)
                sample["server_cpu_s"] = server_cpu_seconds(server) - cpu
                samples[side].append(sample)
                if side == "platform":
                    after = [
                        int(admin_sql(q)) for q in (count_cases, count_records, count_with_case)
                    ]
                    made.append((after[0] - before[0], after[1] - before[1], after[2] - before[2]))
                    gapless.append(numbers_gapless(tenant_id, first_id))
    finally:
        stop_server(platform)
        stop_server(bare)
    print(json.dumps({"samples": samples, "made": made, "gapless": gapless}))
    if not all(gapless):
        raise SystemExit(f"case numbers with a gap or a repeat: rounds {gapless}")
    for sample, (cases, records, with_case) in zip(samples["platform"], made, strict=True):
        answered = int(sample["requests"])
        if not (cases == answered == records == with_case):
            raise SystemExit(f"{answered} answers made {cases} cases, {records} applications")

    def rate(s: dict[str, Any]) -> float:
        return s["requests"] / (s["duration_us"] / 1e6)

    rows = {
        side: {
            "rps": statistics.median(rate(s) for s in samples[side]),
            "seconds": statistics.median(s["duration_us"] / 1e6 for s in samples[side]),
            "p50": statistics.median(s["p50_us"] for s in samples[side]) / 1000,
            "p95": statistics.median(s["p95_us"] for s in samples[side]) / 1000,
            "p99": statistics.median(s["p99_us"] for s in samples[side]) / 1000,
            "cpu": statistics.median(s["server_cpu_s"] / s["requests"] for s in samples[side])
            * 1000,
        }
        for side in ("platform", "bare")
    }
    print(
        f"granian x{args.workers}, {args.connections} connections, {args.cases} requests a side,"
        f" {args.rounds} round(s); cases opened per round: {[m[0] for m in made]},"
        f" each one's case numbers gapless: {all(gapless)}"
    )
    print(
        "| endpoint | requests | seconds | req/s | p50 (ms) | p95 (ms) | p99 (ms)"
        " | server CPU ms / request |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for side, label in (("platform", "apply: record + case"), ("bare", "bare create endpoint")):
        r = rows[side]
        print(
            f"| {label} | {args.cases} | {r['seconds']:.1f} | {r['rps']:.0f} | {r['p50']:.2f} |"
            f" {r['p95']:.2f} | {r['p99']:.2f} | {r['cpu']:.2f} |"
        )
    p, b = rows["platform"], rows["bare"]
    print(
        f"| ratio platform / bare | | {p['seconds'] / b['seconds']:.2f} | {p['rps'] / b['rps']:.2f}"
        f" | {p['p50'] / b['p50']:.2f} | {p['p95'] / b['p95']:.2f} | {p['p99'] / b['p99']:.2f}"
        f" | {p['cpu'] / b['cpu']:.2f} |"
    )


if __name__ == "__main__":
    main()
