"""One counter per (tenant, published item type): `record_set_versions`."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKeyConstraint, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned


class RecordSetVersion(TenantOwned, Base):
    """How often the records of `type_key` in `tenant_id` have changed (starts at 1)."""

    __tablename__ = "record_set_versions"

    type_key: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_record_set_versions_tenant"),
    )
