"""The append-only audit trail, chained by hash.

Rows are appended only through the SECURITY DEFINER function
`yiwang_audit_append` (one record) or `yiwang_audit_append_many` (a unit of
work's records, migration 0011), which take a transaction-scoped advisory lock,
read the previous hash and write the next rows, so the chain is computed by the
database in the same transaction as the change it records. The lock serialises
every writer until its commit, so a unit of work appends its records as its
last statement (`UnitOfWork.audit` buffers them). The application's role may
SELECT (under row-level security) and EXECUTE, but never INSERT, UPDATE or
DELETE directly; a trigger refuses UPDATE and DELETE even to the owner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base

OUTCOMES = ("success", "failure", "denied")


class AuditRecord(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(Text)
    object_id: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        Index("ix_audit_log_tenant_at", "tenant_id", "at"),
        Index("ix_audit_log_object", "object_type", "object_id"),
    )


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    #: "hash" (row altered), "link" (row before it missing or altered), "gap" (seq missing);
    #: against a checkpoint (`anchoring`): "truncated" (the head is below the checkpoint),
    #: "rewritten" (the row at the checkpoint has another hash), "signature" (the
    #: checkpoint itself is not genuine)
    problem: str


def entry(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None = None,
    tenant_id: int | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One record as `record_many` takes it; an unknown outcome is refused at once."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    return {
        "tenant_id": tenant_id,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "detail": detail or {},
    }


async def record_many(session: AsyncSession, entries: list[dict[str, Any]]) -> int:
    """Append `entries` (from `entry`) in order, in one statement; return the last seq."""
    result = await session.execute(
        text("SELECT yiwang_audit_append_many(CAST(:records AS jsonb))"),
        {"records": json.dumps(entries, ensure_ascii=False, default=str)},
    )
    return int(result.scalar_one())


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None = None,
    tenant_id: int | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one audit record in the caller's transaction and return its sequence number."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    result = await session.execute(
        text(
            "SELECT yiwang_audit_append(:tenant_id, :actor, :action, :object_type,"
            " :object_id, :outcome, CAST(:detail AS jsonb))"
        ),
        {
            "tenant_id": tenant_id,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "outcome": outcome,
            "detail": json.dumps(detail or {}, ensure_ascii=False, default=str),
        },
    )
    return int(result.scalar_one())


async def verify_chain(session: AsyncSession) -> list[ChainProblem]:
    """Recompute every hash in the database; an empty list means the chain is intact."""
    rows = await session.execute(text("SELECT seq, problem FROM yiwang_audit_verify()"))
    return [ChainProblem(int(seq), str(problem)) for seq, problem in rows]
