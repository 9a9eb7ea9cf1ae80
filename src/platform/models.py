"""Declarative base shared by every part, and the tenant-ownership marker.

A table is tenant-owned when `tenant_id` is part of its primary key; those tables
get forced row-level security and are watched by the strict-context hook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, MetaData, Table, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class TenantOwned:
    """Mixin: `tenant_id` in the primary key, as Citus distribution needs.

    Migrations declare the key as `(tenant_id, id)`."""

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


def tenant_owned_tables(metadata: MetaData = Base.metadata) -> list[Table]:
    """Every table whose primary key includes `tenant_id`."""
    return [t for t in metadata.sorted_tables if "tenant_id" in t.primary_key.columns]
