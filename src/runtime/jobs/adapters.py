"""The rooms' protocols for background work, implemented with the job queue."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta

from yiwang.platform.storage import ObjectStorage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.attachments.transfers import Transfers
from yiwang.runtime.jobs.definitions import (
    EXPORT_LIST,
    EXPORT_SUPERVISION,
    IMPORT_SHEET,
    VERIFY_ATTACHMENT,
)
from yiwang.runtime.jobs.exports_imports import import_job_key
from yiwang.runtime.jobs.queue import JobQueue, owner_of
from yiwang.runtime.lists.errors import ExportExpired, ExportNotFound, ExportNotReady
from yiwang.runtime.lists.export import ExportAsked, ExportDesk, ExportFile
from yiwang.runtime.records.imports import XLSX_TYPE, ImportAsked, ImportDesk, import_key
from yiwang.runtime.supervision import exports as supervision
from yiwang.runtime.supervision.errors import (
    SupervisionExportExpired,
    SupervisionExportNotFound,
    SupervisionExportNotReady,
)


def verification_key(tenant_id: int, attachment_id: uuid.UUID) -> str:
    """One verification job per attachment: asking twice while it runs queues nothing."""
    return f"{VERIFY_ATTACHMENT.name}:{int(tenant_id)}:{attachment_id.hex}"


class AttachmentVerifications:
    """`attachments.service.VerificationQueue`."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def verify_later(
        self,
        uow: UnitOfWork,
        *,
        tenant_id: int,
        attachment_id: uuid.UUID,
        requested_by: int | None,
    ) -> str:
        return self.queue.enqueue_after(
            uow,
            VERIFY_ATTACHMENT,
            key=verification_key(tenant_id, attachment_id),
            owner=owner_of(requested_by),
            kwargs={"tenant_id": int(tenant_id), "attachment_id": str(attachment_id)},
        )


def kept_days(retention: timedelta) -> int:
    """The retention as the refusal of a swept export names it: whole days, at least one."""
    return max(1, math.ceil(retention / timedelta(days=1)))


def export_job_key(export_id: str) -> str:
    return f"{EXPORT_LIST.name}:{export_id}"


class ListExports(ExportDesk):
    """`lists.export.ExportDesk`: exports run as jobs, files downloaded by a signed link;
    a file the retention sweep deleted is `lists.export.expired` (410)."""

    def __init__(self, queue: JobQueue, transfers: Transfers, storage: ObjectStorage) -> None:
        self.queue = queue
        self.transfers = transfers
        self.storage = storage

    def export_later(
        self, uow: UnitOfWork, export_id: str, asked: ExportAsked, *, requested_by: int | None
    ) -> str:
        return self.queue.enqueue_after(
            uow,
            EXPORT_LIST,
            key=export_job_key(export_id),
            owner=owner_of(requested_by),
            kwargs={"export_id": export_id, **asked.as_kwargs()},
        )

    async def finished(self, export_id: str, *, requested_by: int | None) -> ExportFile:
        found = await self.queue.status(export_job_key(export_id))
        if found is None or found.owner != owner_of(requested_by) or found.kind != EXPORT_LIST.name:
            raise ExportNotFound("lists.export.not_found")
        if found.state == "failed" or found.state == "aborted":
            raise ExportNotReady("lists.export.failed")
        result = found.result
        if found.state != "complete" or result is None:
            raise ExportNotReady("lists.export.not_ready", state=found.state)
        file = ExportFile(
            tenant_id=int(result["tenant_id"]),
            type_key=str(result["type"]),
            key=str(result["key"]),
            name=str(result["name"]),
            content_type=str(result["content_type"]),
            rows=int(result["rows"]),
        )
        if not await self.storage.exists(file.key):
            days = kept_days(self.queue.services.export_retention)
            raise ExportExpired("lists.export.expired", days=days)
        return file

    def link(self, file: ExportFile) -> str:
        return self.transfers.link(file.key, file.name, file.content_type)


def supervision_export_job_key(export_id: str) -> str:
    return f"{EXPORT_SUPERVISION.name}:{export_id}"


class SupervisionExports(supervision.ExportDesk):
    """`supervision.exports.ExportDesk`: a cross-tenant export as a job, its file
    downloaded by a signed link, only by the person who asked; a file the retention
    sweep deleted is `supervision.export_expired` (410)."""

    def __init__(self, queue: JobQueue, transfers: Transfers, storage: ObjectStorage) -> None:
        self.queue = queue
        self.transfers = transfers
        self.storage = storage

    def export_later(
        self,
        uow: UnitOfWork,
        export_id: str,
        asked: supervision.SupervisionExportAsked,
        *,
        requested_by: int | None,
    ) -> str:
        return self.queue.enqueue_after(
            uow,
            EXPORT_SUPERVISION,
            key=supervision_export_job_key(export_id),
            owner=owner_of(requested_by),
            kwargs={"export_id": export_id, **asked.as_kwargs()},
        )

    async def finished(
        self, export_id: str, *, requested_by: int | None
    ) -> supervision.SupervisionExportFile:
        found = await self.queue.status(supervision_export_job_key(export_id))
        if (
            found is None
            or found.owner != owner_of(requested_by)
            or found.kind != EXPORT_SUPERVISION.name
        ):
            raise SupervisionExportNotFound("supervision.export_not_found")
        if found.state == "failed" or found.state == "aborted":
            raise SupervisionExportNotReady("supervision.export_failed")
        result = found.result
        if found.state != "complete" or result is None:
            raise SupervisionExportNotReady("supervision.export_not_ready", state=found.state)
        file = supervision.SupervisionExportFile(
            tenant_id=int(result["tenant_id"]),
            key=str(result["key"]),
            name=str(result["name"]),
            content_type=str(result["content_type"]),
            rows=int(result["rows"]),
        )
        if not await self.storage.exists(file.key):
            days = kept_days(self.queue.services.export_retention)
            raise SupervisionExportExpired("supervision.export_expired", days=days)
        return file

    def link(self, file: supervision.SupervisionExportFile) -> str:
        return self.transfers.link(file.key, file.name, file.content_type)


class SheetImports(ImportDesk):
    """`records.imports.ImportDesk`: the file kept in the object store, the import a job."""

    def __init__(self, queue: JobQueue, storage: ObjectStorage) -> None:
        self.queue = queue
        self.storage = storage

    async def import_later(
        self, uow: UnitOfWork, import_id: str, asked: ImportAsked, data: bytes
    ) -> str:
        key = import_key(asked.tenant_id, import_id)
        await self.storage.put(key, data, XLSX_TYPE)
        return self.queue.enqueue_after(
            uow,
            IMPORT_SHEET,
            key=import_job_key(import_id),
            owner=owner_of(asked.account_id),
            kwargs={
                "import_id": import_id,
                "tenant_id": int(asked.tenant_id),
                "type_key": asked.type_key,
                "key": key,
                "login": asked.login,
                "account_id": asked.account_id,
                "restricted": asked.restricted,
                "department": asked.department,
            },
        )

    async def upload_kept(self, tenant_id: int, import_id: str) -> bool:
        return await self.storage.exists(import_key(tenant_id, import_id))
