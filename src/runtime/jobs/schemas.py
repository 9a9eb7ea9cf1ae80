"""Shapes at the edge of the jobs API (msgspec structs)."""

from __future__ import annotations

from typing import Any

import msgspec

from yiwang.platform.i18n import translate
from yiwang.runtime.jobs.queue import JobStatus


class JobOut(msgspec.Struct):
    id: str
    kind: str
    #: queued | active | complete | failed | aborted
    state: str
    #: what to show: 排队中, 进行中, 已完成, 失败, 已取消
    label: str
    #: 0.0 .. 1.0
    progress: float
    #: what the job last reported (`done`, `total`, ...)
    detail: dict[str, Any]
    #: the job's result once complete (for a verification: `status`, `reason`)
    result: dict[str, Any] | None
    #: a message when it failed (never the error's text)
    error: str | None


def job_out(status: JobStatus) -> JobOut:
    return JobOut(
        id=status.id,
        kind=status.kind,
        state=status.state,
        label=translate(f"jobs.state.{status.state}"),
        progress=round(status.progress, 4),
        detail=status.detail,
        result=status.result,
        error=translate("jobs.failed") if status.state == "failed" else None,
    )
