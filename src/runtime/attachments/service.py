"""Attachments in the request's unit of work: sign an upload, complete it, read, download
(what a record may name is `references`).

A person sees the attachments they uploaded; staff admitted by the guard see
every attachment of the tenant. Anything else is 404, the same answer as for
an attachment that does not exist, so nobody learns what another has uploaded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.errors import NotFound, ServiceUnavailable
from yiwang.platform.i18n import translate
from yiwang.platform.storage import ObjectStorage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.attachments.errors import (
    AttachmentNotFound,
    AttachmentState,
    UploadRefused,
)
from yiwang.runtime.attachments.inspection import Expected, head_problem
from yiwang.runtime.attachments.limits import (
    attachment_field,
    check_request,
    limits_of,
)
from yiwang.runtime.attachments.models import Attachment, incoming_key, object_key
from yiwang.runtime.attachments.repository import AttachmentRepository
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.attachments.transfers import Transfers, UploadForm

log = structlog.get_logger(__name__)

OBJECT_TYPE = "attachment"


class VerificationQueue(Protocol):
    """Background verification, as this room needs it (the jobs room implements it)."""

    def verify_later(
        self,
        uow: UnitOfWork,
        *,
        tenant_id: int,
        attachment_id: uuid.UUID,
        requested_by: int | None,
    ) -> str:
        """Queue the verification to start once `uow` commits; returns the job's id, whose
        status the account `requested_by` may follow (None: nobody, a sweep asked)."""
        ...


@dataclass(frozen=True)
class UploadRequest:
    type: str
    field: str
    name: str
    size: int
    content_type: str


def expected_of(attachment: Attachment) -> Expected:
    return Expected(attachment.declared_size, attachment.max_size, attachment.declared_type)


class Attachments:
    def __init__(
        self,
        uow: UnitOfWork,
        *,
        metadata: MetadataService,
        storage: ObjectStorage,
        transfers: Transfers,
        settings: AttachmentSettings,
        verifications: VerificationQueue,
    ) -> None:
        self.uow = uow
        self.metadata = metadata
        self.storage = storage
        self.transfers = transfers
        self.settings = settings
        self.verifications = verifications
        self.repo = AttachmentRepository(uow.session)

    # --- uploading ----------------------------------------------------------

    async def begin(self, access: Access, request: UploadRequest) -> tuple[Attachment, UploadForm]:
        """Check the request against the field's limits and sign an upload form.

        The store is pinged first: signing needs no request to S3, so without this
        an outage would show only when the browser's upload failed."""
        document = await self._document(access.tenant.code, request.type)
        limits = limits_of(
            attachment_field(document, request.field),
            default_max_size=self.settings.default_max_size,
            ceiling=self.settings.size_ceiling,
        )
        name = check_request(
            limits, name=request.name, size=request.size, content_type=request.content_type
        )
        if not await self.storage.ping():
            raise ServiceUnavailable("service.storage_unavailable")
        attachment_id = uuid.uuid4()
        tenant_id = access.tenant.id
        attachment = Attachment(
            tenant_id=tenant_id,
            id=attachment_id,
            key=object_key(tenant_id, attachment_id),
            item_type=request.type,
            field=request.field,
            name=name,
            declared_type=request.content_type,
            declared_size=request.size,
            max_size=limits.max_size,
            accept=list(limits.accept),
            status="awaiting_upload",
            uploaded_by=self.uow.actor,
            owner_account_id=access.principal.account_id,
            upload_expires_at=datetime.now(UTC) + timedelta(seconds=self.settings.upload_seconds),
        )
        await self.repo.add(attachment)
        await self._audit(
            "attachment.create",
            attachment,
            detail={"type": request.type, "field": request.field, "size": request.size},
        )
        return attachment, self.transfers.upload_form(attachment)

    async def _document(self, code: str, key: str) -> Document:
        try:
            return await self.metadata.document(code, key)
        except NotFound as exc:
            if exc.code == "metadata.document.not_found":
                raise UploadRefused("attachments.type_unknown", pointer="/type", type=key) from exc
            raise

    async def complete(
        self, access: Access, attachment_id: uuid.UUID
    ) -> tuple[Attachment, str | None]:
        """The browser says the upload is done: HEAD it, move it to its own key and queue
        the verification. Completing twice answers the same; S3 down is a 503 that
        changes nothing (the browser may try again until the form expires)."""
        attachment = await self._visible(access, attachment_id, for_update=True)
        if attachment.status != "awaiting_upload":
            return attachment, None
        incoming = incoming_key(attachment.tenant_id, attachment.id)
        try:
            head = await self.storage.head(incoming)
        except NotFound:
            raise AttachmentState("attachments.upload_missing") from None
        expected = expected_of(attachment)
        if problem := head_problem(head, expected):
            await self._reject(attachment, problem, incoming)
            return attachment, None
        # What is verified is what the copy holds: a signed form still valid can
        # rewrite the incoming key, never this one.
        await self.storage.copy(incoming, attachment.key)
        if problem := head_problem(await self.storage.head(attachment.key), expected):
            await self._reject(attachment, problem, incoming)
            return attachment, None
        attachment.status = "pending"
        attachment.updated_at = datetime.now(UTC)
        self.uow.after_commit(delete_later(self.storage, incoming))
        job = self.verifications.verify_later(
            self.uow,
            tenant_id=attachment.tenant_id,
            attachment_id=attachment.id,
            requested_by=access.principal.account_id,
        )
        await self._audit("attachment.upload", attachment, detail={"size": head.size, "job": job})
        return attachment, job

    async def _reject(self, attachment: Attachment, reason: str, incoming: str) -> None:
        attachment.status = "rejected"
        attachment.reason = reason
        attachment.updated_at = datetime.now(UTC)
        self.uow.after_commit(delete_later(self.storage, incoming, attachment.key))
        await self._audit(
            "attachment.reject", attachment, outcome="failure", detail={"reason": reason}
        )

    # --- reading ------------------------------------------------------------

    async def get(self, access: Access, attachment_id: uuid.UUID) -> Attachment:
        return await self._visible(access, attachment_id)

    async def download_url(self, access: Access, attachment_id: uuid.UUID) -> str:
        """A signed link to a verified attachment, good for a few minutes (audited)."""
        return self.transfers.download_url(await self.opened(access, attachment_id))

    async def opened(
        self, access: Access, attachment_id: uuid.UUID, *, audit_as: str = "attachment.download"
    ) -> Attachment:
        """A verified attachment the reader may open, its opening audited as `audit_as`
        (the console's in-page preview streams it itself, from `key` and `content_type`)."""
        attachment = await self._visible(access, attachment_id)
        if attachment.status != "verified":
            raise AttachmentState(
                "attachments.state",
                status=translate(f"attachments.status.{attachment.status}"),
                action="下载",
            )
        await self._audit(audit_as, attachment)
        return attachment

    async def _visible(
        self, access: Access, attachment_id: uuid.UUID, *, for_update: bool = False
    ) -> Attachment:
        found = await self.repo.get(access.tenant.id, attachment_id, for_update=for_update)
        if found is None or not _may_see(access, found):
            raise AttachmentNotFound("attachments.not_found")
        return found

    async def _audit(
        self,
        action: str,
        attachment: Attachment,
        *,
        outcome: str = "success",
        detail: dict[str, Any] | None = None,
    ) -> None:
        await self.uow.audit(
            action=action,
            object_type=OBJECT_TYPE,
            object_id=str(attachment.id),
            tenant_id=attachment.tenant_id,
            outcome=outcome,
            detail=detail or {},
        )


def _may_see(access: Access, attachment: Attachment) -> bool:
    if access.principal.kind == "staff":
        return True
    return attachment.owner_account_id == access.principal.account_id


def delete_later(storage: ObjectStorage, *keys: str) -> Any:
    """An `after_commit` hook deleting `keys`, best effort (the sweeper comes again)."""

    async def delete() -> None:
        for key in keys:
            try:
                await storage.delete(key)
            except Exception:  # the sweeper clears incoming keys again once the form expires
                log.warning("attachment_object_delete_failed", key=key)

    return delete
