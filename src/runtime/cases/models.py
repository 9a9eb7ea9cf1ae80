"""The case tables. Every one is tenant-owned: `tenant_id` leads each primary and foreign key.

- `cases`: one per application; the engine's state (JSONB) and its `version`
  for optimistic updates, the route definition it started on, the form data
  snapshot, and the deadline columns the sweep reads (`next_check`: the day the
  case next changes colour, NULL when nothing is pending).
- `case_events`: the timeline, one row per engine event, numbered per case.
- `case_outbox`: the same events (and deadline warnings) for notification
  and exchange, written in the transaction that changed the case.
- `case_tasks`: the open tasks of each case, kept in step with every transition: the inbox.
- `case_counters`: the last serial per tenant and day; incremented in the
  submitting transaction, so numbers are gapless and unique.
- `case_certificates`: e-licences issued on completion; the documents live in
  object storage under keys derived from the identifier.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
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

COLOURS = ("green", "yellow", "red")


class Case(TenantOwned, Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(Text)
    #: the application record (records room); a plain column, no foreign key
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    service_item: Mapped[str] = mapped_column(Text)
    #: the service item's implementing body (实施主体) and its credit code: the licence issuer
    issuer_name: Mapped[str | None] = mapped_column(Text)
    issuer_code: Mapped[str | None] = mapped_column(Text)
    form_key: Mapped[str] = mapped_column(Text)
    route_key: Mapped[str] = mapped_column(Text)
    route_version: Mapped[str] = mapped_column(Text)
    route_definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    form_data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text)
    submitter: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    #: deadlines (working days on the tenant's calendar); NULL while the clock is stopped
    statutory_due: Mapped[date | None] = mapped_column(Date)
    promised_due: Mapped[date | None] = mapped_column(Date)
    #: working days left when the clock stopped (补正, special procedures)
    statutory_left: Mapped[int | None] = mapped_column(Integer)
    promised_left: Mapped[int | None] = mapped_column(Integer)
    warn_on: Mapped[date | None] = mapped_column(Date)
    colour: Mapped[str | None] = mapped_column(Text)
    next_check: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_cases_tenant_number"),
        CheckConstraint("colour IS NULL OR colour IN ('green','yellow','red')", name="colour"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_cases_tenant"),
        Index(
            "uq_cases_tenant_record",
            "tenant_id",
            "record_id",
            unique=True,
            postgresql_where=text("record_id IS NOT NULL"),
        ),
        Index(
            "ix_cases_next_check",
            "tenant_id",
            "next_check",
            postgresql_where=text("next_check IS NOT NULL"),
        ),
    )


class CaseEvent(TenantOwned, Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column()
    step: Mapped[str | None] = mapped_column(Text)
    task: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSONB)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (
        UniqueConstraint("tenant_id", "case_id", "seq", name="uq_case_events_case_seq"),
        ForeignKeyConstraint(
            ["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"], name="fk_case_events_case"
        ),
    )


class CaseOutbox(TenantOwned, Base):
    __tablename__ = "case_outbox"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column()
    #: delivery tries that failed, the earliest time of the next, the last failure's kind
    #: (migration 0012; the outbox room delivers)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"], name="fk_case_outbox_case"
        ),
        Index(
            "ix_case_outbox_pending",
            "tenant_id",
            "id",
            postgresql_where=text("delivered_at IS NULL"),
        ),
    )


class CaseTask(TenantOwned, Base):
    __tablename__ = "case_tasks"

    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task: Mapped[str] = mapped_column(Text, primary_key=True)
    step: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column()
    due_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"], name="fk_case_tasks_case"
        ),
        Index("ix_case_tasks_inbox", "tenant_id", "role", "due_on", "opened_at", "case_id"),
    )


class CaseCounter(TenantOwned, Base):
    __tablename__ = "case_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_case_counters_tenant"),
    )


class CaseCertificate(TenantOwned, Base):
    __tablename__ = "case_certificates"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    identifier: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("identifier", "tenant_id", name="uq_case_certificates_identifier"),
        CheckConstraint("status IN ('valid','revoked')", name="status"),
        ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            name="fk_case_certificates_case",
        ),
    )
