"""The verification job through SAQ on the real Redis: a worker inside the web process
(litestar-saq's in-process mode), the job's progress over HTTP and as server-sent
events, and a worker reading what the HEAD check could not see."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from saq import Queue

from tests.integration.runtime.conftest import CHENGGUAN, Citizen, running_app, side_platform
from tests.integration.runtime.uploads import upload
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings
from yiwang.runtime.jobs.worker import saq_plugin

pytestmark = pytest.mark.usefixtures("installed")


async def _until_finished(
    client: Any, headers: dict[str, str], job: str, seconds: float = 30.0
) -> dict[str, Any]:
    for _ in range(int(seconds * 10)):
        resp = await client.get(f"/api/v1/jobs/{job}", headers=headers)
        assert resp.status_code == 200, resp.text
        if resp.json()["state"] in ("complete", "failed"):
            found: dict[str, Any] = resp.json()
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job} did not finish: {resp.json()}")


async def test_the_verification_runs_on_an_in_process_saq_worker(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    body = samples.png(64, 64)
    async with running_app(migrated, jobs="in_process") as app:
        assert app.platform.saq is not None
        done = await upload(app.client, citizen.headers, body)
        job = done["job"]
        status = await _until_finished(app.client, citizen.headers, job)
        events = await app.client.get(f"/api/v1/jobs/{job}/events", headers=citizen.headers)
        read = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}", headers=citizen.headers
        )
    inspect = Queue.from_url(migrated.redis_url, name=app.platform.jobs.settings.queue_name)
    try:
        saq_job = await inspect.job(job)
    finally:
        await inspect.disconnect()
    assert status == {
        "id": job,
        "kind": "verify_attachment",
        "state": "complete",
        "label": "已完成",
        "progress": 1.0,
        "detail": {"done": len(body), "total": len(body)},
        "result": {"status": "verified", "reason": None},
        "error": None,
    }
    assert read.json()["status"] == "verified"
    # It really went through SAQ: the job is a Redis entry a worker took and finished.
    assert saq_job is not None and saq_job.attempts == 1 and saq_job.worker_id
    assert events.status_code == 200
    assert events.headers["content-type"].startswith("text/event-stream")
    messages = [m for m in events.text.split("\r\n\r\n") if m.strip()]
    assert messages[-1].startswith("id: complete\r\nevent: progress\r\ndata: ")
    assert json.loads(messages[-1].split("data: ", 1)[1])["result"] == {
        "status": "verified",
        "reason": None,
    }


async def test_a_worker_reads_the_bytes_the_head_check_could_not_see(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    """The web server only enqueues; the object changes before a worker takes the job (as
    if the store had lied in its HEAD); the worker's own read rejects it."""
    citizen = await citizens()
    body = samples.png()
    async with running_app(migrated, jobs="queue") as app:
        done = await upload(app.client, citizen.headers, body)
        queue = app.platform.jobs.settings.queue_name
        key = f"t/{app.platform.directory.tree.node(CHENGGUAN).id}/attachments/" + done[
            "attachment"
        ]["id"].replace("-", "")
        waiting = await app.client.get(f"/api/v1/jobs/{done['job']}", headers=citizen.headers)
        assert (waiting.json()["state"], waiting.json()["label"]) == ("queued", "排队中")
        async with side_platform(migrated, queue=queue) as worker_side:
            await worker_side.storage.put(key, body + b"\x00" * 200_000, "image/png")
            plugin = saq_plugin(worker_side.jobs.settings, lambda: worker_side.jobs.services)
            assert plugin is not None
            worker = plugin.get_workers()[queue]
            worker.SIGNALS = []
            running = asyncio.create_task(worker.start())
            try:
                status = await _until_finished(app.client, citizen.headers, done["job"])
            finally:
                await worker.stop()
                await asyncio.wait_for(running, 10)
            gone = not await worker_side.storage.exists(key)
        read = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}", headers=citizen.headers
        )
    assert status["result"] == {"status": "rejected", "reason": "too_large"}
    assert (read.json()["status"], read.json()["reason"]) == ("rejected", "too_large")
    assert gone


async def test_the_yiwang_worker_command_takes_the_job_and_stops_on_sigterm(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "YIWANG_JOBS_QUEUE": queue, "YIWANG_LOG_LEVEL": "INFO"}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "yiwang.cli", "worker", env=env, stdout=PIPE, stderr=STDOUT
    )
    assert worker.stdout is not None
    lines: list[bytes] = []

    async def ready() -> None:
        assert worker.stdout is not None
        while b"worker_starting" not in (line := await worker.stdout.readline()):
            lines.append(line)
            assert line, b"".join(lines).decode()[-2000:]

    try:
        await asyncio.wait_for(ready(), 120)  # a loaded machine imports slowly
        drained = asyncio.create_task(worker.stdout.read())
        async with running_app(migrated, jobs="queue", queue=queue) as app:
            done = await upload(
                app.client,
                citizen.headers,
                samples.pdf(),
                name="a.pdf",
                content_type="application/pdf",
            )
            status = await _until_finished(app.client, citizen.headers, done["job"])
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), 30)
    output = b"".join(lines) + await drained
    assert status["result"] == {"status": "verified", "reason": None}, output.decode()[-2000:]
    assert worker.returncode == 0, output.decode()[-2000:]
