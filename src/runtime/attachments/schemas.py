"""Shapes at the edge of the attachments API (msgspec structs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from yiwang.platform.i18n import translate
from yiwang.runtime.attachments.models import Attachment
from yiwang.runtime.attachments.transfers import UploadForm
from yiwang.runtime.attachments.values import value_of

Key = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
FieldPath = Annotated[
    str, msgspec.Meta(min_length=1, max_length=130, pattern=r"^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)?$")
]


class UploadIn(msgspec.Struct, forbid_unknown_fields=True):
    #: the item type or business form, and the attachment field (`table/column` in a table)
    type: Key
    field: FieldPath
    #: the file's name as the person chose it (kept as metadata only)
    name: Annotated[str, msgspec.Meta(max_length=1024)]
    #: bytes, exactly (the form allows exactly this many)
    size: Annotated[int, msgspec.Meta(ge=0, le=2**53)]
    content_type: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class UploadFormOut(msgspec.Struct):
    method: str
    url: str
    fields: dict[str, str]
    file_field: str
    expires_at: datetime


class LimitsOut(msgspec.Struct):
    max_size: int
    accept: list[str]


class AttachmentValueOut(msgspec.Struct):
    key: str
    name: str
    size: int
    content_type: str
    sha256: str


class AttachmentOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    #: why it was rejected (`too_large`, `type_mismatch`, ...) and what to tell the person
    reason: str | None
    message: str | None
    type: str
    field: str
    name: str
    declared_size: int
    declared_type: str
    created_at: datetime | None
    #: once verified: what the record's field takes, as is
    value: AttachmentValueOut | None


class UploadOut(msgspec.Struct):
    attachment: AttachmentOut
    upload: UploadFormOut
    limits: LimitsOut


class CompleteOut(msgspec.Struct):
    attachment: AttachmentOut
    #: the verification job, followed at /api/v1/jobs/{job} (None when nothing was queued)
    job: str | None


def attachment_out(attachment: Attachment) -> AttachmentOut:
    value = value_of(attachment)
    return AttachmentOut(
        id=attachment.id,
        status=attachment.status,
        reason=attachment.reason,
        message=_message(attachment),
        type=attachment.item_type,
        field=attachment.field,
        name=attachment.name,
        declared_size=attachment.declared_size,
        declared_type=attachment.declared_type,
        created_at=attachment.created_at,
        value=AttachmentValueOut(**value.as_dict()) if value else None,
    )


def _message(attachment: Attachment) -> str | None:
    if attachment.status != "rejected" or not attachment.reason:
        return None
    signature = (attachment.detail or {}).get("signature", "")
    return translate(f"attachments.rejected.{attachment.reason}", signature=signature)


def upload_out(attachment: Attachment, form: UploadForm) -> UploadOut:
    return UploadOut(
        attachment=attachment_out(attachment),
        upload=UploadFormOut(form.method, form.url, form.fields, form.file_field, form.expires_at),
        limits=LimitsOut(attachment.max_size, list(attachment.accept)),
    )
