"""The webhook tables (migration `0014_webhooks`); both tenant-owned.

- `webhook_subscribers`: a receiving system's URL, the event kinds it wants,
  whether it is active, and its signing secret, sealed with the field cipher
  (`secrets.py` says why it is kept at all).
- `webhook_deliveries`: one row per (subscriber, `case_outbox` row), written by
  the migration's trigger on `case_outbox` in the transaction that wrote the
  outbox row; the delivery job keeps its attempts and outcome here, apart from
  the applicant's notices (`case_outbox.delivered_at`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned
from yiwang.runtime.cases.models import CaseOutbox


class Subscriber(TenantOwned, Base):
    __tablename__ = "webhook_subscribers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    kinds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    secret_rotated_at: Mapped[datetime | None] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()
    disabled_by: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("cardinality(kinds) > 0", name="kinds"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_webhook_subscribers_tenant"),
    )


class Delivery(TenantOwned, Base):
    __tablename__ = "webhook_deliveries"

    subscriber_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    outbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "subscriber_id"],
            ["webhook_subscribers.tenant_id", "webhook_subscribers.id"],
            name="fk_webhook_deliveries_subscriber",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "outbox_id"],
            [CaseOutbox.tenant_id, CaseOutbox.id],
            name="fk_webhook_deliveries_outbox",
            ondelete="CASCADE",
        ),
        Index(
            "ix_webhook_deliveries_pending",
            "tenant_id",
            "subscriber_id",
            "outbox_id",
            postgresql_where=text("delivered_at IS NULL"),
        ),
    )
