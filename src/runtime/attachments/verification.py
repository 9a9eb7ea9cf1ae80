"""The verification job's side of attachments: read a pending upload, decide, record.

The job runs three steps, and only the first and last touch the database, so
no transaction stays open while a large object is read:

1. `target` (a short unit of work): the pending attachment and what it must be;
2. `inspect` (no transaction): stream the object once through the checks and
   the virus scanner;
3. `record` (a short unit of work): `pending` -> `verified` or `rejected`,
   only if it is still pending, with an audit record; a rejected object is
   deleted once that commits.

The sweeper lives here too: it removes uploads never completed (their row and
any object), clears incoming keys once their signed form has expired, and
asks again for verifications left pending (a queue that was down, a worker
that died).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from yiwang.platform.errors import NotFound
from yiwang.platform.storage import ObjectStorage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.attachments.inspection import Expected, Inspection, inspect
from yiwang.runtime.attachments.models import Attachment, incoming_key
from yiwang.runtime.attachments.repository import AttachmentRepository
from yiwang.runtime.attachments.scanning import Scanner
from yiwang.runtime.attachments.service import OBJECT_TYPE, VerificationQueue, delete_later

#: a verification still pending after this long is asked for again
PENDING_RETRY: Final = timedelta(minutes=10)
#: signed forms are honoured by S3 until they expire; wait this long beyond, for clocks
FORM_GRACE: Final = timedelta(minutes=1)
SWEEP_BATCH: Final = 500

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    tenant_id: int
    attachment_id: uuid.UUID
    key: str
    expected: Expected


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason}


class Verification:
    def __init__(self, storage: ObjectStorage, scanner: Scanner) -> None:
        self.storage = storage
        self.scanner = scanner

    async def target(
        self, uow: UnitOfWork, tenant_id: int, attachment_id: uuid.UUID
    ) -> Target | Outcome:
        """What to check, or the outcome already reached (verifying twice changes nothing)."""
        found = await AttachmentRepository(uow.session).get(tenant_id, attachment_id)
        if found is None:
            return Outcome("gone")
        if found.status != "pending":
            return Outcome(found.status, found.reason)
        return Target(
            tenant_id,
            attachment_id,
            found.key,
            Expected(found.declared_size, found.max_size, found.declared_type),
        )

    async def inspect(self, target: Target, progress: Progress | None = None) -> Inspection:
        async def report(done: int) -> None:
            if progress is not None:
                await progress(done, target.expected.size)

        try:
            return await inspect(
                self.storage.stream(target.key), target.expected, self.scanner, report
            )
        except NotFound:
            return Inspection(0, None, "missing")

    async def record(self, uow: UnitOfWork, target: Target, inspection: Inspection) -> Outcome:
        repo = AttachmentRepository(uow.session)
        found = await repo.get(target.tenant_id, target.attachment_id, for_update=True)
        if found is None:
            return Outcome("gone")
        if found.status != "pending" or found.key != target.key:
            return Outcome(found.status, found.reason)
        now = datetime.now(UTC)
        found.updated_at = now
        detail: dict[str, Any] = {"size": inspection.size}
        if inspection.passed:
            found.status = "verified"
            found.size = inspection.size
            found.sha256 = inspection.sha256
            found.content_type = found.declared_type
            found.verified_at = now
            detail["sha256"] = inspection.sha256
        else:
            found.status = "rejected"
            found.reason = inspection.reason
            detail["reason"] = inspection.reason
            if inspection.signature:
                detail["signature"] = inspection.signature
                found.detail = {"signature": inspection.signature}
            uow.after_commit(delete_later(self.storage, found.key))
        await uow.audit(
            action="attachment.verify",
            object_type=OBJECT_TYPE,
            object_id=str(found.id),
            tenant_id=found.tenant_id,
            outcome="success" if inspection.passed else "failure",
            detail=detail,
        )
        return Outcome(found.status, found.reason)


@dataclass(frozen=True)
class SweepResult:
    expired: int = 0
    cleared: int = 0
    requeued: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"expired": self.expired, "cleared": self.cleared, "requeued": self.requeued}


class Sweeper:
    """Leaves nothing half-written behind an upload that stopped half-way."""

    def __init__(self, storage: ObjectStorage, verifications: VerificationQueue) -> None:
        self.storage = storage
        self.verifications = verifications

    async def due(self, uow: UnitOfWork, now: datetime | None = None) -> list[Attachment]:
        """What needs sweeping in every tenant `uow` sees."""
        now = now or datetime.now(UTC)
        rows = await AttachmentRepository(uow.session).due_for_sweeping(
            now - FORM_GRACE, now - PENDING_RETRY, SWEEP_BATCH
        )
        return list(rows)

    async def sweep_one(self, uow: UnitOfWork, item: Attachment, now: datetime) -> str | None:
        """Handle one row in its own tenant's scope (`uow` acts as that tenant)."""
        repo = AttachmentRepository(uow.session)
        found = await repo.get(item.tenant_id, item.id, for_update=True)
        if found is None:
            return None
        incoming = incoming_key(found.tenant_id, found.id)
        expired = found.upload_expires_at < now - FORM_GRACE
        if found.status == "awaiting_upload" and expired:
            # The form can no longer be used: whatever reached either key goes too.
            await self.storage.delete(incoming)
            await self.storage.delete(found.key)
            await repo.remove(found.tenant_id, found.id)
            await uow.audit(
                action="attachment.expire",
                object_type=OBJECT_TYPE,
                object_id=str(found.id),
                tenant_id=found.tenant_id,
            )
            return "expired"
        if found.status != "awaiting_upload" and not found.incoming_cleared and expired:
            await self.storage.delete(incoming)
            found.incoming_cleared = True
            return "cleared"
        if found.status == "pending" and found.updated_at < now - PENDING_RETRY:
            self.verifications.verify_later(
                uow,
                tenant_id=found.tenant_id,
                attachment_id=found.id,
                # the uploader keeps following the job they started
                requested_by=found.owner_account_id,
            )
            found.updated_at = now
            return "requeued"
        return None
