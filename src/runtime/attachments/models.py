"""The attachments table: one row per upload, from the signed form to the verdict.

Status runs `awaiting_upload` (a signed form was handed out) -> `pending` (the
object arrived and passed the HEAD check; the verification job reads it) ->
`verified` | `rejected` (with a `reason`). Only a verified attachment can be
downloaded or named by a record. The browser uploads to an incoming key
(`t/<tenant id>/incoming/<id>`); completing the upload copies the object to
its own key (`t/<tenant id>/attachments/<id>`), which no signed form can
write, so a form still valid after the check cannot swap the file.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned, Timestamps

STATUSES: Final = ("awaiting_upload", "pending", "verified", "rejected")
REASONS: Final = (
    "missing",
    "empty",
    "too_large",
    "size_mismatch",
    "content_type_tampered",
    "type_mismatch",
    "markup",
    "infected",
)


def object_key(tenant_id: int, attachment_id: uuid.UUID) -> str:
    return f"t/{int(tenant_id)}/attachments/{attachment_id.hex}"


def incoming_key(tenant_id: int, attachment_id: uuid.UUID) -> str:
    return f"t/{int(tenant_id)}/incoming/{attachment_id.hex}"


class Attachment(TenantOwned, Timestamps, Base):
    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: the object's key: the server's, with the tenant prefix
    key: Mapped[str] = mapped_column(Text)
    #: the item type or business form, and the field path (`materials/files`)
    item_type: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    #: the original file name, checked (metadata only, never part of a key)
    name: Mapped[str] = mapped_column(Text)
    declared_type: Mapped[str] = mapped_column(Text)
    declared_size: Mapped[int] = mapped_column(BigInteger)
    #: the field's limits when the form was signed, which the checks apply
    max_size: Mapped[int] = mapped_column(BigInteger)
    accept: Mapped[list[str]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default=text("'awaiting_upload'"))
    reason: Mapped[str | None] = mapped_column(Text)
    #: what the server measured (set when verified)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    #: who uploaded: the audit actor, and the account (a citizen sees only their own)
    uploaded_by: Mapped[str] = mapped_column(Text)
    owner_account_id: Mapped[int | None] = mapped_column(BigInteger)
    #: until when the signed upload form works; after it the incoming key is cleared
    upload_expires_at: Mapped[datetime] = mapped_column()
    incoming_cleared: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    verified_at: Mapped[datetime | None] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_attachments_tenant"),
        UniqueConstraint("tenant_id", "key", name="uq_attachments_tenant_key"),
        CheckConstraint(
            "status IN ('awaiting_upload','pending','verified','rejected')", name="status"
        ),
        CheckConstraint(
            "key = 't/' || tenant_id::text || '/attachments/' || replace(id::text, '-', '')",
            name="key_prefix",
        ),
        CheckConstraint("sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'", name="sha256_format"),
        CheckConstraint("status <> 'rejected' OR reason IS NOT NULL", name="rejected_reason"),
        CheckConstraint(
            "status <> 'verified' OR (sha256 IS NOT NULL AND size IS NOT NULL "
            "AND content_type IS NOT NULL)",
            name="verified_measured",
        ),
        CheckConstraint("declared_size > 0 AND max_size > 0", name="sizes_positive"),
        Index(
            "ix_attachments_unfinished",
            "upload_expires_at",
            postgresql_where=text(
                "status IN ('awaiting_upload','pending') OR NOT incoming_cleared"
            ),
        ),
    )
