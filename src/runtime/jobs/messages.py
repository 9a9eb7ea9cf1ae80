"""Messages of background jobs: the queue, a job's state, the worker's settings."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "jobs.not_found": "任务不存在、已过期，或不是您发起的。",
    "jobs.failed": "任务执行失败，请稍后重试或联系管理员。",
    "jobs.queue_unavailable": "任务队列暂时不可用。",
    "jobs.settings_invalid": "后台任务配置不正确：{detail}。",
    "jobs.unknown_definition": "没有名为“{name}”的后台任务。",
    "jobs.state.queued": "排队中",
    "jobs.state.active": "进行中",
    "jobs.state.complete": "已完成",
    "jobs.state.failed": "失败",
    "jobs.state.aborted": "已取消",
}

register("jobs", DEFAULT_LOCALE, ZH_CN)
