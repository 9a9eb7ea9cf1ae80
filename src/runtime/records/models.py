"""Records in PostgreSQL: one table for every item type, history, idempotency keys, indexes.

- `records`: typed columns for what the platform needs; the metadata-defined
  fields in JSONB (`data`, and `form_data` for an application's business
  form). `pii` fields are kept out of `data`: sealed in `pii_sealed`, masked
  in `pii_masked`, and found by equality through keyed hashes in `pii_index`.
- `record_history`: one row per change, listing each field's old and new value
  (personal data masked).
- `record_idempotency`: the first response to each `Idempotency-Key`.
- `record_indexes`: the expression indexes the list views want, and whether
  the owner has built them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned

KEY_PATTERN = "^[a-z][a-z0-9_]{0,62}$"
HISTORY_ACTIONS = ("create", "update", "delete", "restore")
INDEX_STATUSES = ("wanted", "ready", "failed")


class Record(TenantOwned, Base):
    """One record of any item type, validated against the effective model it names."""

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    type_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'active'"))
    #: the number people quote (编号), unique per tenant
    number: Mapped[str | None] = mapped_column(Text)
    #: the department whose staff see it when their access is department-only
    department: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    #: an application's business form (业务表单) and what was entered in it
    form_key: Mapped[str | None] = mapped_column(Text)
    form_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    pii_sealed: Mapped[str | None] = mapped_column(Text)
    pii_masked: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    pii_index: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    #: the `metadata_effective` row the record was last validated against
    effective_id: Mapped[int] = mapped_column(BigInteger)
    #: optimistic concurrency: every change adds one; a write naming an older one is refused
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_by: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column()
    deleted_by: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_records_tenant"),
        ForeignKeyConstraint(
            ["tenant_id", "effective_id"],
            ["metadata_effective.tenant_id", "metadata_effective.id"],
            name="fk_records_effective",
        ),
        UniqueConstraint("tenant_id", "number", name="uq_records_tenant_number"),
        CheckConstraint(f"type_key ~ '{KEY_PATTERN}'", name="type_key_format"),
        CheckConstraint(f"form_key IS NULL OR form_key ~ '{KEY_PATTERN}'", name="form_key_format"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("jsonb_typeof(data) = 'object'", name="data_is_object"),
        Index(
            "ix_records_live_by_type",
            "tenant_id",
            "type_key",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "ix_records_department",
            "tenant_id",
            "type_key",
            "department",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_records_effective", "tenant_id", "effective_id"),
    )


class RecordHistory(TenantOwned, Base):
    """One change of one record: `changes` is `[{field, from, to}]`."""

    __tablename__ = "record_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    record_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name="fk_record_history_record",
        ),
        CheckConstraint("action IN ('create','update','delete','restore')", name="action"),
        Index("ix_record_history_record", "tenant_id", "record_id", "id"),
    )


class RecordIdempotency(Base):
    """The first answer to an `Idempotency-Key` of one actor in one tenant."""

    __tablename__ = "record_idempotency"

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    actor: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    #: SHA-256 of the route and the canonical body: the same key with another body is refused
    request_hash: Mapped[str] = mapped_column(Text)
    #: empty while the first request runs: its key is claimed before anything else
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name="fk_record_idempotency_record",
        ),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="key_length"),
        Index("ix_record_idempotency_created", "tenant_id", "created_at"),
    )


class RecordIndex(Base):
    """An expression index a list view wants, as a whitelisted specification."""

    __tablename__ = "record_indexes"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    type_key: Mapped[str] = mapped_column(Text)
    #: `{"parts": [{"field", "kind", "order"}]}`: rendered to DDL only by `lists.indexes`
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default=text("'wanted'"))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    built_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('wanted','ready','failed')", name="status"),
        CheckConstraint("name ~ '^rx_[a-z0-9_]{1,60}$'", name="name"),
    )
