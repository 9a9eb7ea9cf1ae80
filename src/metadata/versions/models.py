"""Metadata in PostgreSQL: drafts, immutable published versions, effective models.

- `metadata_versions`: what a tenant published: the base model (the
  province) or its overlay (everyone else), immutable, with its content
  hash. Exactly one is `current` per tenant; publishing supersedes it,
  rolling back marks it `rolled_back` and makes its predecessor current again.
- `metadata_drafts`: the one working copy a tenant edits before publishing.
- `metadata_effective`: every effective model a tenant's records were
  validated against, by content hash, with the chain of versions that made
  it. A record stores `(tenant_id, effective_id)`, so an impact preview can
  re-validate exactly the records a change would touch.
- `metadata_state`: the generation every publish or rollback bumps, which
  workers compare to know their cached chains are stale.
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
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned, Timestamps

VERSION_KINDS = ("base", "overlay")
#: generations come from a sequence: a rolled-back publish never reuses a number
GENERATION_SEQUENCE = "metadata_generation_seq"
VERSION_STATUSES = ("current", "superseded", "rolled_back")


class MetadataVersion(TenantOwned, Base):
    """One published base model or overlay: never updated except its status."""

    __tablename__ = "metadata_versions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: 1, 2, 3... per tenant, in publishing order
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    #: `json`, not `jsonb`: the text as written, so fields and columns keep their order
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(Text)
    #: the version that was current when this one was published (rollback target)
    previous_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the inherited versions it was checked against: [{tenant, version, hash}]
    based_on: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    note: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_metadata_versions_tenant_number"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_metadata_versions_tenant"),
        ForeignKeyConstraint(
            ["tenant_id", "previous_id"],
            ["metadata_versions.tenant_id", "metadata_versions.id"],
            name="fk_metadata_versions_previous",
        ),
        CheckConstraint("kind IN ('base','overlay')", name="kind"),
        CheckConstraint("status IN ('current','superseded','rolled_back')", name="status"),
        CheckConstraint("content_hash ~ '^[0-9a-f]{64}$'", name="content_hash_format"),
        Index(
            "uq_metadata_versions_current",
            "tenant_id",
            unique=True,
            postgresql_where=text("status = 'current'"),
        ),
    )


class MetadataDraft(TenantOwned, Timestamps, Base):
    """A tenant's working copy of its base model or overlay, edited before publishing."""

    __tablename__ = "metadata_drafts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the published version the draft started from, if any
    based_on_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_metadata_drafts_tenant"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_metadata_drafts_tenant"),
        ForeignKeyConstraint(
            ["tenant_id", "based_on_id"],
            ["metadata_versions.tenant_id", "metadata_versions.id"],
            name="fk_metadata_drafts_based_on",
        ),
    )


class EffectiveVersion(TenantOwned, Base):
    """An effective model records were validated against; records point here."""

    __tablename__ = "metadata_effective"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    content_hash: Mapped[str] = mapped_column(Text)
    #: the versions that made it, base first: [{tenant, version, hash}]
    chain: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        UniqueConstraint("tenant_id", "content_hash", name="uq_metadata_effective_tenant_hash"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_metadata_effective_tenant"),
    )


class MetadataState(Base):
    """One row: the generation bumped by every publish and rollback, anywhere."""

    __tablename__ = "metadata_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
