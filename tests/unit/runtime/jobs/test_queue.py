"""The job queue without a worker: inline runs, their progress and status, and the fall
back to inline when Redis cannot be reached (slower, never lost)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.platform.settings import Settings
from yiwang.runtime.jobs.definitions import (
    DEFINITIONS,
    EXPORT_LIST,
    EXPORT_SUPERVISION,
    IMPORT_SHEET,
    SWEEP_EXPORTS,
    SWEEP_IMPORTS,
    JobDefinition,
)
from yiwang.runtime.jobs.errors import JobSettingsInvalid
from yiwang.runtime.jobs.queue import (
    EXPORT_STATUS_MARGIN,
    RESULT_TTL,
    JobQueue,
    JobStatus,
    owner_of,
)
from yiwang.runtime.jobs.runs import JobRun, JobServices
from yiwang.runtime.jobs.schemas import job_out
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.jobs.sweep_grace import GraceSweepQueue
from yiwang.runtime.jobs.worker import queue_of, saq_function, saq_plugin

calls: list[dict[str, Any]] = []


async def count_rows(run: JobRun, *, rows: int) -> dict[str, Any]:
    calls.append({"rows": rows, "actor": run.actor})
    for done in range(1, rows + 1):
        await run.progress(done, rows)
    return {"rows": rows}


async def explode(run: JobRun) -> dict[str, Any]:
    raise RuntimeError("Traceback: secret internals")


COUNT = JobDefinition("count_rows", count_rows)
EXPLODE = JobDefinition("explode", explode)


def _queue(saq: GraceSweepQueue | None = None) -> JobQueue:
    queue = JobQueue(JobSettings(mode="inline"), saq)
    queue.bind(cast(JobServices, object()))
    return queue


async def test_an_inline_job_runs_at_once_and_keeps_its_status() -> None:
    queue = _queue()
    before = time.time()
    key = await queue.enqueue(COUNT, key="count:1", owner=owner_of(7), kwargs={"rows": 3})
    found = await queue.status(key)
    assert found is not None and found.ended_at is not None
    assert before <= found.ended_at <= time.time()
    assert found == JobStatus(
        "count:1",
        "count_rows",
        "complete",
        1.0,
        {"done": 3, "total": 3},
        {"rows": 3},
        "account:7",
        found.ended_at,
    )
    assert calls[-1] == {"rows": 3, "actor": "system:count_rows"}
    assert await queue.status("count:unknown") is None


async def test_a_failed_job_says_so_without_its_error_text() -> None:
    queue = _queue()
    await queue.enqueue(EXPLODE, key="explode:1", owner=owner_of(None), kwargs={})
    found = await queue.status("explode:1")
    assert found is not None and (found.state, found.owner) == ("failed", "system")
    out = job_out(found)
    assert out.error == "任务执行失败，请稍后重试或联系管理员。"
    assert "secret" not in repr(out)


async def test_without_redis_a_job_runs_inline_instead_of_being_lost() -> None:
    dead = GraceSweepQueue.from_url("redis://127.0.0.1:1/0", name="nowhere")
    queue = _queue(dead)
    try:
        await queue.enqueue(COUNT, key="count:2", owner=owner_of(8), kwargs={"rows": 2})
        found = await queue.status("count:2")
    finally:
        await queue.close()
    assert found is not None and (found.state, found.result) == ("complete", {"rows": 2})


def test_each_definition_becomes_a_saq_function_under_its_own_name() -> None:
    names = {saq_function(d).__qualname__ for d in DEFINITIONS.values()}
    assert names == {
        "verify_attachment",
        "sweep_attachments",
        "export_list",
        "supervision.export",
        "import_sheet",
        "onboard_divisions",
        "cases.sweep",
        "exports.sweep",
        "imports.sweep",
        "outbox.deliver",
        "webhooks.deliver",
        "escalate_supervision_orders",
    }


@dataclass(frozen=True)
class _Kept:
    export_retention: timedelta
    import_abandoned: timedelta = timedelta(days=7)


def test_an_exports_status_is_kept_as_long_as_its_file_and_a_day_more() -> None:
    queue = JobQueue(JobSettings(mode="inline"), None)
    queue.bind(cast(JobServices, _Kept(timedelta(days=30))))
    for export in (EXPORT_LIST, EXPORT_SUPERVISION):
        assert queue.result_ttl(export) == 30 * 86400 + EXPORT_STATUS_MARGIN == 31 * 86400
    assert queue.result_ttl(SWEEP_EXPORTS) == queue.result_ttl(COUNT) == RESULT_TTL == 3600
    assert SWEEP_EXPORTS.cron is not None and SWEEP_EXPORTS.cron.split()[1:] == ["*"] * 4


def test_an_imports_status_is_kept_as_long_as_an_abandoned_upload_and_a_day_more() -> None:
    """The upload sweep tells an ended import (its status says when) from an abandoned one
    by the status; it must outlive the longest an upload is kept."""
    queue = JobQueue(JobSettings(mode="inline"), None)
    queue.bind(cast(JobServices, _Kept(timedelta(days=30), timedelta(days=9))))
    assert queue.result_ttl(IMPORT_SHEET) == 9 * 86400 + EXPORT_STATUS_MARGIN
    assert queue.result_ttl(SWEEP_IMPORTS) == RESULT_TTL
    assert SWEEP_IMPORTS.cron is not None and SWEEP_IMPORTS.cron.split()[1:] == ["*"] * 4


def test_the_import_times_are_whole_days_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("YIWANG_IMPORT_RETENTION_DAYS", "YIWANG_IMPORT_ABANDONED_DAYS"):
        monkeypatch.delenv(name, raising=False)
    found = Settings.from_env()
    assert (found.import_retention, found.import_abandoned) == (
        timedelta(days=1),
        timedelta(days=7),
    )
    monkeypatch.setenv("YIWANG_IMPORT_RETENTION_DAYS", "2")
    monkeypatch.setenv("YIWANG_IMPORT_ABANDONED_DAYS", "14")
    found = Settings.from_env()
    assert (found.import_retention, found.import_abandoned) == (
        timedelta(days=2),
        timedelta(days=14),
    )
    monkeypatch.setenv("YIWANG_IMPORT_ABANDONED_DAYS", "0")
    with pytest.raises(InvalidInput) as info:
        Settings.from_env()
    assert info.value.pointer == "/YIWANG_IMPORT_ABANDONED_DAYS"


def test_the_export_retention_is_whole_days_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("YIWANG_EXPORT_RETENTION_DAYS", raising=False)
    assert Settings.from_env().export_retention == timedelta(days=7) == Settings().export_retention
    monkeypatch.setenv("YIWANG_EXPORT_RETENTION_DAYS", "30")
    assert Settings.from_env().export_retention == timedelta(days=30)
    for bad in ("0", "-1", "7d"):
        monkeypatch.setenv("YIWANG_EXPORT_RETENTION_DAYS", bad)
        with pytest.raises(InvalidInput) as info:
            Settings.from_env()
        assert info.value.pointer == "/YIWANG_EXPORT_RETENTION_DAYS"


def test_settings() -> None:
    assert JobSettings.from_env(Settings(), {}).mode == "queue"
    found = JobSettings.from_env(
        Settings(), {"YIWANG_JOBS": "in_process", "YIWANG_JOBS_CONCURRENCY": "8"}
    )
    assert (found.mode, found.concurrency, found.redis_url) == (
        "in_process",
        8,
        Settings().redis_url,
    )
    for environ in (
        {"YIWANG_JOBS": "sometimes"},
        {"YIWANG_JOBS_CONCURRENCY": "0"},
        {"YIWANG_JOBS_QUEUE": "a b"},
    ):
        with pytest.raises(JobSettingsInvalid):
            JobSettings.from_env(Settings(), environ)


@pytest.mark.parametrize("mode", ["queue", "in_process"])
def test_the_server_and_the_worker_share_one_grace_sweep_queue(mode: str) -> None:
    """litestar-saq would build SAQ's own RedisQueue: the web server's queue and the
    worker's (`yiwang worker`, or the in-process one) are ours, one instance, with
    litestar-saq's JSON functions."""
    settings = JobSettings(mode=mode, queue_name="wired")
    plugin = saq_plugin(settings, lambda: cast(JobServices, object()))
    assert plugin is not None
    queue = queue_of(plugin, settings)
    assert type(queue) is GraceSweepQueue
    assert plugin.get_workers()["wired"].queue is queue
    assert queue._dump is plugin._config.json_serializer
    assert queue._load is plugin._config.json_deserializer
