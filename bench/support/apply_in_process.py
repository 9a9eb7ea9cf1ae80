"""One application at a time, in process: the platform's ASGI app without a server.

`bench/records_create.py --in-process N` runs this: the app under its own lifespan,
httpx's ASGI transport (no socket), a citizen signed in through the SMS routes,
then N sequential `POST /api/v1/t/620102/services/{id}/applications` with fresh
Idempotency-Keys after 20 not counted. It prints the median and the statements
per request (the engine's cursor executions), and with `--profile FILE` writes
cProfile's stats of the N requests (read them with `python -m pstats FILE`).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event


async def run(
    service_item: int, tenant: str, payload: dict[str, Any], n: int, profile: str | None
) -> dict[str, float]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the client's own lines
    workdir = Path(tempfile.mkdtemp(prefix="apply-in-process-"))
    os.environ["YIWANG_SMS_LOG"] = str(workdir / "sms.log")
    from yiwang.app import build_platform, create_app
    from yiwang.platform.settings import Settings

    settings = Settings.from_env()
    platform = build_platform(settings)
    app = create_app(settings, platform=platform)
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(platform.engine.sync_engine, "before_cursor_execute", count)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            phone = "1371" + str(int(time.time()) % 10**7).zfill(7)
            await client.post("/api/v1/auth/sms/code", json={"phone": phone})
            text = (workdir / "sms.log").read_text().splitlines()[-1]
            code = re.search(r"验证码为 (\d{6})", json.loads(text)["text"])
            assert code is not None, text
            signed = await client.post(
                "/api/v1/auth/sms/login", json={"phone": phone, "code": code[1]}
            )
            token = signed.json()["token"]
            client.cookies.clear()
            path = f"/api/v1/t/{tenant}/services/{service_item}/applications"
            body = json.dumps(payload, ensure_ascii=False).encode()
            run_id = time.time_ns()

            async def one(i: int) -> float:
                headers = {
                    "authorization": f"Bearer {token}",
                    "content-type": "application/json",
                    "idempotency-key": f"inproc-{run_id}-{i}",
                }
                start = time.perf_counter()
                resp = await client.post(path, content=body, headers=headers)
                took = time.perf_counter() - start
                assert resp.status_code == 201, resp.text
                return took

            for i in range(20):
                await one(-1 - i)
            statements[0] = 0
            profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall
            times = []
            if profiler is not None:
                profiler.enable()
            cpu = time.process_time()
            for i in range(n):
                times.append(await one(i))
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
    return {
        "requests": n,
        "p50_ms": statistics.median(times) * 1000,
        "mean_ms": statistics.fmean(times) * 1000,
        "cpu_ms_per_request": cpu / n * 1000,
        "statements_per_request": statements[0] / n,
    }


def main(
    service_item: int, tenant: str, payload: dict[str, Any], n: int, profile: str | None
) -> dict[str, float]:
    return asyncio.run(run(service_item, tenant, payload, n, profile))
