"""The admin pages' only SQL: one tenant's audit records by keyset, newest first, and the
names of the staff accounts that acted in them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.audit import AuditRecord
from yiwang.policy.identity.models import Account


@dataclass(frozen=True)
class AuditFilter:
    tenant_id: int
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: keyset: only records older than this sequence number
    before: int | None = None


async def audit_page(session: AsyncSession, wanted: AuditFilter, limit: int) -> list[AuditRecord]:
    """Up to `limit` records of the tenant that match, newest (highest seq) first. `actor`
    matches the actor as recorded or a staff account's display name; row-level security
    admits only the tenants of the caller's scope."""
    query = select(AuditRecord).where(AuditRecord.tenant_id == wanted.tenant_id)
    if wanted.actor:
        named = select(Account.login).where(
            Account.kind == "staff", Account.display_name == wanted.actor
        )
        query = query.where(
            (AuditRecord.actor == wanted.actor) | AuditRecord.actor.in_(named.scalar_subquery())
        )
    if wanted.action:
        query = query.where(AuditRecord.action == wanted.action)
    if wanted.since is not None:
        query = query.where(AuditRecord.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditRecord.at < wanted.until)
    if wanted.before is not None:
        query = query.where(AuditRecord.seq < wanted.before)
    rows = await session.scalars(query.order_by(AuditRecord.seq.desc()).limit(limit))
    return list(rows)


async def staff_names(session: AsyncSession, logins: Iterable[str]) -> dict[str, str]:
    """login -> display name, for the staff accounts among `logins` that have one."""
    wanted = sorted(set(logins))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Account.login, Account.display_name).where(
            Account.kind == "staff", Account.login.in_(wanted), Account.display_name.is_not(None)
        )
    )
    return {str(login): str(name) for login, name in rows}
