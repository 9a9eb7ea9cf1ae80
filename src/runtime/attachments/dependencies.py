"""Attachments' services, built once per process and injected by type.

The verification queue comes from above (the jobs room implements
`service.VerificationQueue`), so this room never imports the one that runs
its jobs.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.di import Provide

from yiwang.metadata.dependencies import MetadataServices
from yiwang.platform.storage import LocalStorage, ObjectStorage, S3Storage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.attachments.local_transfers import LocalEndpoints
from yiwang.runtime.attachments.scanning import Scanner
from yiwang.runtime.attachments.service import Attachments, VerificationQueue
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.attachments.transfers import LocalTransfers, S3Transfers, Transfers
from yiwang.runtime.attachments.verification import Sweeper, Verification


@dataclass(frozen=True)
class AttachmentServices:
    settings: AttachmentSettings
    storage: ObjectStorage
    transfers: Transfers
    scanner: Scanner
    metadata: MetadataServices
    verifications: VerificationQueue
    #: the application's own upload and download endpoints (local backend only)
    local: LocalEndpoints | None

    def attachments(self, uow: UnitOfWork) -> Attachments:
        return Attachments(
            uow,
            metadata=self.metadata.service(uow),
            storage=self.storage,
            transfers=self.transfers,
            settings=self.settings,
            verifications=self.verifications,
        )

    def verification(self) -> Verification:
        return Verification(self.storage, self.scanner)

    def sweeper(self) -> Sweeper:
        return Sweeper(self.storage, self.verifications)


def build_attachments(
    settings: AttachmentSettings,
    storage: ObjectStorage,
    metadata: MetadataServices,
    verifications: VerificationQueue,
    *,
    scanner: Scanner | None = None,
) -> AttachmentServices:
    transfers: Transfers
    local: LocalEndpoints | None = None
    if isinstance(storage, S3Storage):
        transfers = S3Transfers(storage, settings)
    elif isinstance(storage, LocalStorage):
        transfers = LocalTransfers(settings)
        local = LocalEndpoints(storage, settings)
    else:
        raise TypeError(f"no browser transfers for {type(storage).__name__}")
    return AttachmentServices(
        settings,
        storage,
        transfers,
        scanner or settings.build_scanner(),
        metadata,
        verifications,
        local,
    )


def dependencies(services: AttachmentServices) -> dict[str, Provide]:
    async def attachments(uow: UnitOfWork) -> Attachments:
        return services.attachments(uow)

    def local_endpoints() -> LocalEndpoints | None:
        return services.local

    def attachment_services() -> AttachmentServices:
        return services

    # not "attachments": Litestar takes a body field that shares a dependency's name for
    # an injected value, and answers a client's mistake in it with 500
    return {
        "attachment_files": Provide(attachments),
        "local_endpoints": Provide(local_endpoints, sync_to_thread=False),
        # the process's parts, for a page that stores a browser's file itself
        "attachment_services": Provide(attachment_services, sync_to_thread=False),
    }
