"""The rooms' protocols for background work, implemented with the job queue."""

from __future__ import annotations

import uuid

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.jobs.definitions import VERIFY_ATTACHMENT
from yiwang.runtime.jobs.queue import JobQueue, owner_of


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
