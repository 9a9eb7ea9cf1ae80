"""The jobs room's services, built once per process and injected by type."""

from __future__ import annotations

from litestar.di import Provide
from litestar_saq import SAQPlugin
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.jobs.queue import JobQueue
from yiwang.runtime.jobs.runs import JobServices
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.jobs.worker import queue_of, saq_plugin
from yiwang.tenants.directory import TenantDirectory


def build_queue(settings: JobSettings) -> tuple[JobQueue, SAQPlugin | None]:
    """The queue (and the litestar-saq plugin that owns it), before the services it runs:
    the rooms' services hold the queue, and the queue's runs use those services."""
    queue = JobQueue(settings, None)
    plugin = saq_plugin(settings, lambda: queue.services)
    queue.saq = queue_of(plugin, settings)
    return queue, plugin


def bind_services(
    queue: JobQueue,
    sessions: async_sessionmaker[AsyncSession],
    directory: TenantDirectory,
    attachments: AttachmentServices,
) -> JobServices:
    services = JobServices(sessions, directory, attachments, queue)
    queue.bind(services)
    return services


def dependencies(queue: JobQueue) -> dict[str, Provide]:
    def jobs() -> JobQueue:
        return queue

    return {"jobs": Provide(jobs, sync_to_thread=False)}
