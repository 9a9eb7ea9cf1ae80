"""The deadline sweep and the outbox delivery as jobs: a real SAQ worker on the real Redis
takes `cases.sweep`, and `yiwang jobs run cases.sweep` runs it in a process of its own;
the red warning reaches the applicant through the development gateways' files."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from saq import Queue

from tests.integration.runtime.cases.conftest import CHENGGUAN, Clock
from tests.integration.runtime.conftest import side_platform
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.jobs.worker import saq_plugin
from yiwang.runtime.routes.actions import Actor


async def overdue_case(case_unit: Any, tag: str, phone: str) -> str:
    """A case submitted 60 days ago: far past its promised deadline, not yet swept."""
    applicant = f"citizen-{tag}"
    app = Application(
        service_item="SI-0001",
        form="food_business_license",
        route="licensing",
        implementing_department="scjgj",
        data={"contact_phone": phone},
    )
    async with case_unit(Clock(datetime.now(UTC) - timedelta(days=60)), applicant) as (_, cases):
        opened = await cases.open(
            CHENGGUAN, app, Actor(id=applicant, tenant=CHENGGUAN, roles=frozenset({"citizen"}))
        )
    return str(opened.number)


def state_of(admin_sql: psycopg.Connection, number: str) -> tuple[Any, ...]:
    row = admin_sql.execute(
        "SELECT c.colour, (SELECT array_agg(o.delivered_at IS NOT NULL ORDER BY o.id)"
        " FROM case_outbox o WHERE o.tenant_id = c.tenant_id AND o.case_id = c.id"
        " AND o.kind = 'deadline.red') FROM cases c WHERE c.number = %s",
        (number,),
    ).fetchone()
    assert row is not None
    return tuple(row)


async def test_a_saq_worker_runs_the_sweep_and_delivers_the_warning(
    migrated: Settings,
    case_unit: Any,
    own_cases: str,
    admin_sql: psycopg.Connection,
    tmp_path: Path,
) -> None:
    phone = f"137{uuid.uuid4().int % 10**8:08d}"
    number = await overdue_case(case_unit, own_cases, phone)
    assert state_of(admin_sql, number) == ("green", None)
    queue_name = f"test-{uuid.uuid4().hex[:8]}"
    async with side_platform(replace(migrated, var_dir=tmp_path), queue=queue_name) as side:
        plugin = saq_plugin(side.jobs.settings, lambda: side.jobs.services)
        assert plugin is not None
        worker = plugin.get_workers()[queue_name]
        # the schedule: every 5 minutes, on every worker (SAQ's cron lock keeps it to one run)
        assert {(c.function.__qualname__, c.cron) for c in worker.cron_jobs} >= {
            ("cases.sweep", "*/5 * * * *"),
            ("outbox.deliver", "* * * * *"),
        }
        worker.SIGNALS = []
        running = asyncio.create_task(worker.start())
        queue = Queue.from_url(migrated.redis_url, name=queue_name)
        try:
            # enqueued at once, while the worker starts: its first sweep may meet the job
            # dequeued but not yet marked active, which GraceSweepQueue lets pass
            job = await queue.enqueue("cases.sweep", timeout=120)
            assert job is not None
            await job.refresh(until_complete=60)
        finally:
            await worker.stop()
            await asyncio.wait_for(running, 10)
            await queue.disconnect()
    assert job.status == "complete", job.error
    assert job.worker_id  # a worker took it from Redis
    assert job.result["changed"] >= 1 and job.result["failed"] == 0
    assert state_of(admin_sql, number) == ("red", [True])
    texts = [m["text"] for m in read_messages(tmp_path / "case-sms.log") if m["to"] == phone]
    assert len(texts) == 2  # the submission notice, and the red warning
    assert texts[1].startswith(f"办件 {number} 已超过承诺时限（")


async def test_yiwang_jobs_run_cases_sweep(
    migrated: Settings,
    case_unit: Any,
    own_cases: str,
    admin_sql: psycopg.Connection,
    tmp_path: Path,
) -> None:
    phone = f"136{uuid.uuid4().int % 10**8:08d}"
    number = await overdue_case(case_unit, own_cases, phone)
    env = {**os.environ, "YIWANG_VAR_DIR": str(tmp_path), "YIWANG_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "yiwang.cli",
        "jobs",
        "run",
        "cases.sweep",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode == 0, err.decode()[-2000:]
    report = json.loads(out.decode())
    assert (report["job"], report["state"]) == ("cases.sweep", "complete")
    assert set(report["result"]) == {"changed", "delivered", "sent", "failed"}
    assert report["result"]["changed"] >= 1
    assert state_of(admin_sql, number) == ("red", [True])
    sms = [m for m in read_messages(tmp_path / "case-sms.log") if m["to"] == phone]
    assert sms[-1]["text"].startswith(f"办件 {number} 已超过承诺时限（")
