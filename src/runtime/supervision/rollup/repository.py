"""Recounting one tenant's rollup from its raw rows: after a bulk load that left the
rollup alone, a restore, or an administrator's cleanup.

One transaction per tenant, in that tenant's scope: the source tables are locked
in SHARE mode first (writers wait; readers do not), so no write's trigger adds a
count between the delete and the recount. The owner role runs it (the
application role may not delete rollup rows).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.supervision.rollup.counts import (
    CASE_COUNTS,
    COMPLAINT_COUNTS,
    COUNTED_COMPLAINT,
    EVALUATION_COUNTS,
    NOW_CASES,
    WARNED,
    WARNING_COUNTS,
    added,
    department,
    month,
    now_added,
)

SOURCES: Final = (
    "cases",
    "supervision_case_facts",
    "supervision_evaluations",
    "supervision_complaints",
    "case_outbox",
)
_WARNED = "kind IN (" + ", ".join(f"'{k}'" for k in WARNED) + ")"
_CASE = "JOIN cases c ON c.tenant_id = r.tenant_id AND c.id = r.case_id"

#: a tenant's rollup, from nothing (`:tenant_id`); each statement on its index
RECOUNT: Final = (
    "DELETE FROM supervision_rollup WHERE tenant_id = :tenant_id",
    "DELETE FROM supervision_warning_months WHERE tenant_id = :tenant_id",
    "DELETE FROM supervision_now WHERE tenant_id = :tenant_id",
    "INSERT INTO supervision_warning_months (tenant_id, case_id, kind, month, repeated)"
    " SELECT tenant_id, case_id, kind, month, count(*) OVER (PARTITION BY case_id, kind) > 1"
    f" FROM (SELECT DISTINCT tenant_id, case_id, substr(kind, 10) AS kind,"
    f" {month('created_at')} AS month FROM case_outbox"
    f" WHERE tenant_id = :tenant_id AND {_WARNED}) w",
    added(
        CASE_COUNTS,
        "cases r LEFT JOIN supervision_case_facts f ON f.tenant_id = r.tenant_id"
        " AND f.case_id = r.id WHERE r.tenant_id = :tenant_id",
        month("r.submitted_at"),
        department("r"),
    ),
    now_added(
        f"cases r WHERE r.tenant_id = :tenant_id AND {NOW_CASES}",
        department("r"),
    ),
    added(
        EVALUATION_COUNTS,
        f"supervision_evaluations r {_CASE} WHERE r.tenant_id = :tenant_id",
        month("r.at"),
        department("c"),
    ),
    added(
        COMPLAINT_COUNTS,
        "supervision_complaints r LEFT JOIN cases c ON c.tenant_id = r.tenant_id"
        f" AND c.id = r.case_id WHERE r.tenant_id = :tenant_id AND {COUNTED_COMPLAINT}",
        month("r.opened_at"),
        f"coalesce(r.department, {department('c')})",
    ),
    added(
        WARNING_COUNTS,
        f"supervision_warning_months r {_CASE} WHERE r.tenant_id = :tenant_id",
        "r.month",
        department("c"),
    ),
)


class RollupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rebuild(self, tenant_id: int) -> int:
        """Recount `tenant_id`'s rollup in the session's transaction; its rollup rows."""
        await self.session.execute(text(f"LOCK TABLE {', '.join(SOURCES)} IN SHARE MODE"))
        for statement in RECOUNT:
            await self.session.execute(text(statement), {"tenant_id": tenant_id})
        rows = await self.session.scalar(
            text("SELECT count(*) FROM supervision_rollup WHERE tenant_id = :tenant_id"),
            {"tenant_id": tenant_id},
        )
        return int(rows or 0)
