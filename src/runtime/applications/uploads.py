"""Files a page posts (`multipart/form-data`), stored through the attachments service.

The same path as a browser's presigned upload, run by the server: the
attachment is requested for its item type and field (limits, accepted types,
the name cleaned, the server's key), the body is streamed to its incoming key
(never past the field's size), completed (HEAD, copied to its own key) and
verified at once (magic bytes, size, SHA-256, the virus scanner) instead of in
the background, so the page can answer at the field. The queued background
verification then finds it decided and changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from litestar.datastructures import UploadFile

from yiwang.platform.errors import ErrorDetail, YiwangError
from yiwang.policy.guards import Access
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.attachments.models import incoming_key
from yiwang.runtime.attachments.service import Attachments, UploadRequest
from yiwang.runtime.attachments.values import value_of
from yiwang.runtime.attachments.verification import Target

CHUNK: Final = 256 * 1024


@dataclass(frozen=True)
class Stored:
    """A verified upload's record value, or why the file was refused (at `pointer`)."""

    value: dict[str, Any] | None
    problem: ErrorDetail | None = None


def uploaded_files(posted: dict[str, list[Any]], name: str) -> list[UploadFile]:
    """The non-empty files posted under `name` (a browser sends an empty part for none)."""
    return [f for f in posted.get(name, []) if isinstance(f, UploadFile) and f.filename]


async def _size(upload: UploadFile) -> int:
    await upload.seek(0)
    upload.file.seek(0, 2)
    size = upload.file.tell()
    await upload.seek(0)
    return size


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


class PageUploads:
    def __init__(self, services: AttachmentServices, attachments: Attachments) -> None:
        self.services = services
        self.attachments = attachments

    async def store(
        self, access: Access, item_type: str, field: str, upload: UploadFile, pointer: str
    ) -> Stored:
        """Store and verify one posted file of `item_type`'s `field`."""
        request = UploadRequest(
            type=item_type,
            field=field,
            name=upload.filename or "",
            size=await _size(upload),
            content_type=(upload.content_type or "application/octet-stream")[:100],
        )
        try:
            attachment, _ = await self.attachments.begin(access, request)
            await self.services.storage.put_stream(
                incoming_key(attachment.tenant_id, attachment.id),
                _chunks(upload),
                request.content_type,
                max_size=attachment.max_size,
            )
            attachment, _ = await self.attachments.complete(access, attachment.id)
        except YiwangError as refused:
            if refused.status >= 500:
                raise
            return Stored(None, ErrorDetail(refused.code, pointer, refused.params))
        uow = self.attachments.uow
        if attachment.status == "pending":
            verification = self.services.verification()
            target = await verification.target(uow, attachment.tenant_id, attachment.id)
            if isinstance(target, Target):
                # the same row in the session's identity map: `attachment` shows the outcome
                await verification.record(uow, target, await verification.inspect(target))
        verified = value_of(attachment)
        if verified is None:
            reason = attachment.reason or "missing"
            signature = (attachment.detail or {}).get("signature", "")
            return Stored(
                None,
                ErrorDetail(f"attachments.rejected.{reason}", pointer, {"signature": signature}),
            )
        return Stored(verified.as_dict())
