"""The SAQ worker through litestar-saq: one configuration for the web server and for
`yiwang worker`, with every definition registered and the process's services in
each job's context.

Modes (`YIWANG_JOBS`): `queue` registers the queue with the web server and runs
the worker in `yiwang worker` (its own process, as `make run` starts it);
`in_process` also runs a worker inside each web process, through litestar-saq's
lifecycle hooks; `inline` uses no SAQ at all.

The queue is ours, `sweep_grace.GraceSweepQueue` (SAQ's Redis queue, whose sweep spares
a job caught between its dequeue and its status write once). litestar-saq 0.8 has no
option for a queue class; it builds `RedisQueue` itself unless `SAQConfig.queue_instances`
holds the queue, so `saq_config` builds ours there, with litestar-saq's own JSON
functions. (litestar-saq's multi-process CLI, `litestar workers run`, drops
`queue_instances` when it spawns children; `yiwang worker` runs the worker in its own
process instead.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final

import structlog
from litestar_saq import CronJob, QueueConfig, SAQConfig, SAQPlugin

from yiwang.runtime.jobs.definitions import DEFINITIONS, JobDefinition
from yiwang.runtime.jobs.queue import SaqProgress
from yiwang.runtime.jobs.runs import JobRun, JobServices
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.jobs.sweep_grace import GraceSweepQueue

log = structlog.get_logger(__name__)

#: where a job finds the process's services in SAQ's context
SERVICES_KEY: Final = "yiwang_services"


def saq_function(definition: JobDefinition) -> Callable[..., Awaitable[Any]]:
    """The SAQ task that runs `definition` with the services of the worker's process."""

    async def task(ctx: Any, **kwargs: Any) -> Any:
        run = JobRun(definition.name, ctx[SERVICES_KEY], SaqProgress(ctx["job"]))
        return await definition.function(run, **kwargs)

    task.__name__ = task.__qualname__ = definition.name  # SAQ names functions by qualname
    return task


def saq_config(settings: JobSettings, services: Callable[[], JobServices]) -> SAQConfig:
    async def startup(ctx: Any) -> None:
        ctx[SERVICES_KEY] = services()

    functions = {d.name: saq_function(d) for d in DEFINITIONS.values()}
    config = SAQConfig(
        queue_configs=[
            QueueConfig(
                dsn=settings.redis_url,
                name=settings.queue_name,
                tasks=[f for name, f in functions.items() if DEFINITIONS[name].cron is None],
                scheduled_tasks=[
                    CronJob(function=functions[d.name], cron=d.cron, timeout=d.timeout)
                    for d in DEFINITIONS.values()
                    if d.cron is not None
                ],
                startup=startup,
                concurrency=settings.concurrency,
                separate_process=settings.mode != "in_process",
            )
        ],
        web_enabled=False,
        use_server_lifespan=False,
    )
    config.queue_instances = {
        settings.queue_name: GraceSweepQueue.from_url(
            settings.redis_url,
            name=settings.queue_name,
            dump=config.json_serializer,
            load=config.json_deserializer,
        )
    }
    return config


def saq_plugin(settings: JobSettings, services: Callable[[], JobServices]) -> SAQPlugin | None:
    """The litestar-saq plugin for the web server (None in inline mode)."""
    if settings.mode == "inline":
        return None
    plugin = SAQPlugin(saq_config(settings, services))
    for worker in plugin.get_workers().values():
        # litestar-saq's batched heartbeats serve its `monitored_job` decorator, which no
        # definition uses; its thread logs a traceback at every shutdown (0.8.0).
        worker._enable_heartbeat_manager = False
    return plugin


def queue_of(plugin: SAQPlugin | None, settings: JobSettings) -> GraceSweepQueue | None:
    """The plugin's queue, the one the web server enqueues on and the worker takes from."""
    if plugin is None:
        return None
    queue = plugin.get_queue(settings.queue_name)
    if not isinstance(queue, GraceSweepQueue):  # litestar-saq built its own: see the module
        raise TypeError(f"the job queue is {type(queue).__name__}, not GraceSweepQueue")
    return queue


async def run_worker(plugin: SAQPlugin, settings: JobSettings) -> None:
    """Run the worker until SIGINT or SIGTERM (SAQ installs the handlers)."""
    worker = plugin.get_workers()[settings.queue_name]
    log.info("worker_starting", queue=settings.queue_name, concurrency=settings.concurrency)
    try:
        await worker.start()
    finally:
        await asyncio.shield(worker.queue.disconnect())
