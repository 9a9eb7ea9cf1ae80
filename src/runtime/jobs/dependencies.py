"""The jobs room's services, built once per process and injected by type.

`build_background` wires the queue and the rooms whose work it runs, in the one
order their references allow: the queue first (the rooms' services hold it), then
the rooms' services, then the queue is bound to them (its runs use them). The web
server (`app`) and the worker process (`process`) both call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from litestar.di import Provide
from litestar_saq import SAQPlugin
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.metadata.dependencies import MetadataServices
from yiwang.platform.storage import ObjectStorage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.attachments.dependencies import AttachmentServices, build_attachments
from yiwang.runtime.attachments.scanning import Scanner
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.cases.notifications import Gateways
from yiwang.runtime.jobs.adapters import (
    AttachmentVerifications,
    ListExports,
    SheetImports,
    SupervisionExports,
)
from yiwang.runtime.jobs.queue import JobQueue
from yiwang.runtime.jobs.runs import JobServices
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.jobs.worker import queue_of, saq_plugin
from yiwang.runtime.lists.export import ExportDesk
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.imports import ImportDesk
from yiwang.runtime.records.service import RecordService
from yiwang.runtime.supervision.exports import ExportDesk as SupervisionExportDesk
from yiwang.runtime.webhooks.delivery import Deliverer
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.onboarding.service import Onboarding


@dataclass(frozen=True)
class Background:
    queue: JobQueue
    #: litestar-saq, which owns the SAQ queue (None when jobs run inline)
    plugin: SAQPlugin | None
    attachments: AttachmentServices
    services: JobServices


def build_background(
    job_settings: JobSettings,
    attachment_settings: AttachmentSettings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    directory: TenantDirectory,
    storage: ObjectStorage,
    metadata: MetadataServices,
    scanner: Scanner | None = None,
    lists: Callable[[UnitOfWork], ListService] | None = None,
    records: Callable[[UnitOfWork], RecordService] | None = None,
    gateways: Callable[[], Gateways] | None = None,
    webhooks: Deliverer | None = None,
    onboarding: Callable[[UnitOfWork], Onboarding] | None = None,
    export_retention: timedelta = timedelta(days=7),
    import_retention: timedelta = timedelta(days=1),
    import_abandoned: timedelta = timedelta(days=7),
) -> Background:
    queue = JobQueue(job_settings, None)
    plugin = saq_plugin(job_settings, lambda: queue.services)
    queue.saq = queue_of(plugin, job_settings)
    attachments = build_attachments(
        attachment_settings, storage, metadata, AttachmentVerifications(queue), scanner=scanner
    )
    services = JobServices(
        sessions,
        directory,
        attachments,
        queue,
        lists=lists,
        records=records,
        gateways=gateways,
        webhooks=webhooks,
        onboarding=onboarding,
        export_retention=export_retention,
        import_retention=import_retention,
        import_abandoned=import_abandoned,
    )
    queue.bind(services)
    return Background(queue, plugin, attachments, services)


def dependencies(queue: JobQueue) -> dict[str, Provide]:
    attachments = queue.services.attachments
    desk = ListExports(queue, attachments.transfers, attachments.storage)
    sheets = SheetImports(queue, attachments.storage)
    supervised = SupervisionExports(queue, attachments.transfers, attachments.storage)

    def jobs() -> JobQueue:
        return queue

    def exports() -> ExportDesk:
        return desk

    def imports() -> ImportDesk:
        return sheets

    def supervision_exports() -> SupervisionExportDesk:
        return supervised

    return {
        "jobs": Provide(jobs, sync_to_thread=False),
        "exports": Provide(exports, sync_to_thread=False),
        "imports": Provide(imports, sync_to_thread=False),
        "supervision_exports": Provide(supervision_exports, sync_to_thread=False),
    }
