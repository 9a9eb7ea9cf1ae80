"""The only SQL of the cases room. Every statement names its tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.cases.models import (
    Case,
    CaseCertificate,
    CaseCounter,
    CaseEvent,
    CaseOutbox,
    CaseTask,
)

#: statuses whose clock may still run out
OPEN_STATUSES = ("submitted", "in_review", "supplement_requested", "decided")


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_serial(self, tenant_id: int, day: date) -> int:
        """The next serial of the tenant's day; the counter row stays locked until commit,
        so concurrent submitters queue and a rolled-back one leaves no gap."""
        result = await self.session.execute(
            text(
                "INSERT INTO case_counters (tenant_id, day, last) VALUES (:t, :d, 1) "
                "ON CONFLICT (tenant_id, day) DO UPDATE SET last = case_counters.last + 1 "
                "RETURNING last"
            ),
            {"t": tenant_id, "d": day},
        )
        return int(result.scalar_one())

    async def counter(self, tenant_id: int, day: date) -> int | None:
        found = await self.session.scalar(
            select(CaseCounter.last).where(
                CaseCounter.tenant_id == tenant_id, CaseCounter.day == day
            )
        )
        return int(found) if found is not None else None

    async def by_record(self, tenant_id: int, record_id: int) -> Case | None:
        found: Case | None = await self.session.scalar(
            select(Case).where(Case.tenant_id == tenant_id, Case.record_id == record_id)
        )
        return found

    async def submitted_by(self, tenant_id: int, submitter: str, limit: int) -> Sequence[Case]:
        """The cases one person submitted at the tenant, newest first."""
        rows = await self.session.scalars(
            select(Case)
            .where(Case.tenant_id == tenant_id, Case.submitter == submitter)
            .order_by(Case.submitted_at.desc(), Case.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def add(self, values: dict[str, Any]) -> int:
        result = await self.session.execute(insert(Case).values(**values).returning(Case.id))
        return int(result.scalar_one())

    async def get(self, tenant_id: int, number: str, *, lock: bool = False) -> Case | None:
        query = select(Case).where(Case.tenant_id == tenant_id, Case.number == number)
        if lock:
            query = query.with_for_update()
        found: Case | None = (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalar_one_or_none()
        return found

    async def update(
        self, tenant_id: int, case_id: int, read_version: int, values: dict[str, Any]
    ) -> bool:
        """Store a transition unless another one was stored since `read_version` was read."""
        result = await self.session.execute(
            update(Case)
            .where(Case.tenant_id == tenant_id, Case.id == case_id, Case.version == read_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def append_events(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(CaseEvent), list(rows))

    async def append_outbox(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(CaseOutbox), list(rows))

    async def replace_tasks(
        self, tenant_id: int, case_id: int, rows: Sequence[dict[str, Any]]
    ) -> None:
        await self.session.execute(
            delete(CaseTask).where(CaseTask.tenant_id == tenant_id, CaseTask.case_id == case_id)
        )
        if rows:
            await self.session.execute(insert(CaseTask), list(rows))

    async def timeline(self, tenant_id: int, case_id: int) -> Sequence[CaseEvent]:
        return (
            await self.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.tenant_id == tenant_id, CaseEvent.case_id == case_id)
                .order_by(CaseEvent.seq)
            )
        ).all()

    async def outbox(self, tenant_id: int, case_id: int) -> Sequence[CaseOutbox]:
        return (
            await self.session.scalars(
                select(CaseOutbox)
                .where(CaseOutbox.tenant_id == tenant_id, CaseOutbox.case_id == case_id)
                .order_by(CaseOutbox.id)
            )
        ).all()

    async def inbox(
        self,
        tenant_id: int,
        roles: Sequence[str],
        department: str | None,
        actor: str,
        limit: int,
    ) -> Sequence[Any]:
        """Open tasks the actor may take: their roles, their department (or none), not
        delegated to someone else, not on their own cases; soonest due first."""
        query = (
            select(
                Case.number,
                Case.service_item,
                Case.status,
                Case.colour,
                Case.promised_due,
                CaseTask.task,
                CaseTask.step,
                CaseTask.role,
                CaseTask.department,
                CaseTask.opened_at,
                CaseTask.due_on,
            )
            .join(Case, (Case.tenant_id == CaseTask.tenant_id) & (Case.id == CaseTask.case_id))
            .where(
                CaseTask.tenant_id == tenant_id,
                CaseTask.role.in_(list(roles)),
                (CaseTask.assignee.is_(None)) | (CaseTask.assignee == actor),
                Case.submitter != actor,
            )
            .order_by(CaseTask.due_on.asc().nulls_last(), CaseTask.opened_at, Case.number)
            .limit(limit)
        )
        if department is not None:
            query = query.where(
                (CaseTask.department.is_(None)) | (CaseTask.department == department)
            )
        else:
            query = query.where(CaseTask.department.is_(None))
        return (await self.session.execute(query)).all()

    async def tenants_due(self, tenant_ids: Sequence[int], today: date) -> list[int]:
        """The tenants, among those visible, with a case whose `next_check` day has come
        (a cross-tenant read, named so: the sweep's first step)."""
        result = await self.session.execute(
            text(
                "SELECT t.id FROM unnest(CAST(:ids AS bigint[])) AS t(id) WHERE EXISTS ("
                " SELECT 1 FROM cases c WHERE c.tenant_id = t.id"
                " AND c.next_check IS NOT NULL AND c.next_check <= :today)"
            ),
            {"ids": list(tenant_ids), "today": today},
        )
        return [int(r[0]) for r in result]

    async def sweep(self, tenant_id: int, today: date, now: datetime) -> int:
        """Move the tenant's cases whose `next_check` has come to their new colour, and put
        one warning per change in the outbox: one statement, reading only those cases
        through the partial index on `(tenant_id, next_check)`."""
        result = await self.session.execute(
            text(
                """
                WITH changed AS (
                    UPDATE cases SET
                        colour = CASE WHEN :today > coalesce(promised_due, statutory_due)
                                      THEN 'red' ELSE 'yellow' END,
                        next_check = CASE WHEN :today > coalesce(promised_due, statutory_due)
                                          THEN NULL
                                          ELSE coalesce(promised_due, statutory_due) + 1 END
                    WHERE tenant_id = :tenant AND next_check IS NOT NULL
                      AND next_check <= :today
                    RETURNING tenant_id, id, number, colour,
                              coalesce(promised_due, statutory_due) AS due, form_data
                )
                INSERT INTO case_outbox (tenant_id, case_id, kind, payload, created_at)
                SELECT tenant_id, id, 'deadline.' || colour,
                       jsonb_build_object('number', number, 'colour', colour, 'due', due,
                                          'phone', form_data->>'contact_phone',
                                          'email', form_data->>'email'),
                       :now
                FROM changed
                """
            ),
            {"tenant": tenant_id, "today": today, "now": now},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_open(self, tenant_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.tenant_id == tenant_id, Case.status.in_(OPEN_STATUSES))
            )
            or 0
        )

    # certificates ---------------------------------------------------------------
    async def add_certificate(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(CaseCertificate).values(**values))

    async def certificate(
        self, tenant_id: int, identifier: str, *, lock: bool = False
    ) -> CaseCertificate | None:
        query = select(CaseCertificate).where(
            CaseCertificate.tenant_id == tenant_id, CaseCertificate.identifier == identifier
        )
        if lock:
            query = query.with_for_update()
        found: CaseCertificate | None = await self.session.scalar(query)
        return found

    async def certificates_of(self, tenant_id: int, case_id: int) -> Sequence[CaseCertificate]:
        return (
            await self.session.scalars(
                select(CaseCertificate).where(
                    CaseCertificate.tenant_id == tenant_id, CaseCertificate.case_id == case_id
                )
            )
        ).all()

    async def certificates_submitted_by(
        self, tenant_id: int, submitter: str, limit: int
    ) -> Sequence[tuple[CaseCertificate, str]]:
        """The licences of the cases `submitter` submitted, newest first, with the number."""
        rows = await self.session.execute(
            select(CaseCertificate, Case.number)
            .join(
                Case,
                (Case.tenant_id == CaseCertificate.tenant_id)
                & (Case.id == CaseCertificate.case_id),
            )
            .where(CaseCertificate.tenant_id == tenant_id, Case.submitter == submitter)
            .order_by(CaseCertificate.issued_at.desc(), CaseCertificate.id.desc())
            .limit(limit)
        )
        return [(row[0], str(row[1])) for row in rows]

    async def revoke_certificate(
        self, tenant_id: int, identifier: str, reason: str, at: datetime
    ) -> None:
        await self.session.execute(
            update(CaseCertificate)
            .where(CaseCertificate.tenant_id == tenant_id, CaseCertificate.identifier == identifier)
            .values(status="revoked", revoked_reason=reason, revoked_at=at)
        )
