"""Tenant tree, departments and working-day calendars."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned, Timestamps


class Level(StrEnum):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"
    ZONE = "zone"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class Tenant(Timestamps, Base):
    """A region served by the platform. The registry itself is not tenant-owned:
    subsites must be resolved before any tenant context exists."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tenants.id"))
    #: materialised path of codes, e.g. /620000/620100/620102 (the Casbin domain)
    path: Mapped[str] = mapped_column(Text, unique=True)
    depth: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, server_default=text("'active'"))
    slug: Mapped[str] = mapped_column(Text, unique=True)
    hosts: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    template: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{6}$'", name="code_format"),
        CheckConstraint("level IN ('province','prefecture','county','zone')", name="level"),
        CheckConstraint("status IN ('active','suspended','archived')", name="status"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'", name="slug_format"),
    )


class RegistryState(Base):
    """One row: the version every change to the registry bumps, in the change's own
    transaction, so a worker that missed the broadcast still notices by polling."""

    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class Department(TenantOwned, Timestamps, Base):
    """A department of a tenant's government (发改委, 市场监管局, ...)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(Text)
    sort: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_departments_tenant"),
        UniqueConstraint("tenant_id", "key", name="uq_departments_tenant_key"),
    )


class CalendarDay(Base):
    """A holiday or an adjusted workday (调休) in a province's calendar.

    Reference data shared by the province's whole subtree, so it is keyed by the
    province but not tenant-owned: a county reads its province's calendar.
    """

    __tablename__ = "calendar_days"

    province_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenants.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("kind IN ('holiday','workday')", name="kind"),)
