"""`application_drafts` (migration `0017_drafts`): one draft per (tenant, account, service item).

A small table, not records with a draft status: a record is validated against its
schema on every write, counted in its set's version and listed by the lists room,
and a draft is by definition incomplete and nobody's business but its author's.
`values` is the posted form as typed (name -> texts), `attachments` the verified
attachment values by field; both are read back into the same page.

The same migration adds the unique index that makes 好差评 one rating per case; its
table's model (`supervision.models.Evaluation`) declares it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
    Identity,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned


class Draft(TenantOwned, Base):
    __tablename__ = "application_drafts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    service_item_id: Mapped[int] = mapped_column(BigInteger)
    values: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attachments: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_application_drafts_tenant"),
        ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_application_drafts_account",
            ondelete="CASCADE",
        ),
        UniqueConstraint(
            "tenant_id", "account_id", "service_item_id", name="uq_application_drafts_owner"
        ),
    )
