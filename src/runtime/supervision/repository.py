"""The SQL of supervision's writes and single-tenant reads: facts, evaluations,
complaints, orders, and the timeline rows they add to a case. Every statement
names its tenant; row-level security admits only the acting one for writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.runtime.cases.models import Case, CaseEvent
from yiwang.runtime.supervision.models import CaseFacts, Complaint, Evaluation, Order

#: supervision's timeline rows sit after the engine's within a version:
#: seq = version * 1000 + 500 + n (the engine writes version * 1000 + its index)
SEQ_STRIDE: Final = 1000
SEQ_OFFSET: Final = 500


class SupervisionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def case_by_number(self, tenant_id: int, number: str) -> Case | None:
        found: Case | None = await self.session.scalar(
            select(Case).where(Case.tenant_id == tenant_id, Case.number == number)
        )
        return found

    async def put_facts(self, tenant_id: int, case_id: int, values: dict[str, Any]) -> None:
        stmt = pg_insert(CaseFacts).values(tenant_id=tenant_id, case_id=case_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["tenant_id", "case_id"], set_=values)
        )

    async def add(self, table: type[Evaluation | Complaint | Order], values: dict[str, Any]) -> int:
        new_id = await self.session.scalar(insert(table).values(**values).returning(table.id))
        if new_id is None:
            raise LookupError(f"no id returned by {table.__tablename__}")
        return int(new_id)

    async def evaluation(self, tenant_id: int, evaluation_id: int) -> Evaluation | None:
        found: Evaluation | None = await self.session.scalar(
            select(Evaluation).where(
                Evaluation.tenant_id == tenant_id, Evaluation.id == evaluation_id
            )
        )
        return found

    async def complaint(self, tenant_id: int, complaint_id: int) -> Complaint | None:
        found: Complaint | None = await self.session.scalar(
            select(Complaint).where(Complaint.tenant_id == tenant_id, Complaint.id == complaint_id)
        )
        return found

    async def order(self, tenant_id: int, order_id: int, *, lock: bool = False) -> Order | None:
        stmt = select(Order).where(Order.tenant_id == tenant_id, Order.id == order_id)
        if lock:
            stmt = stmt.with_for_update()
        found: Order | None = await self.session.scalar(stmt)
        return found

    async def orders(self, tenant_id: int, status: str | None, limit: int) -> Sequence[Order]:
        stmt = select(Order).where(Order.tenant_id == tenant_id)
        if status is not None:
            stmt = stmt.where(Order.status == status)
        return (
            await self.session.scalars(stmt.order_by(Order.due_on, Order.id).limit(limit))
        ).all()

    async def update(
        self,
        table: type[Evaluation | Complaint | Order],
        tenant_id: int,
        row_id: int,
        **values: Any,
    ) -> None:
        await self.session.execute(
            update(table).where(table.tenant_id == tenant_id, table.id == row_id).values(**values)
        )

    async def tenants_with_orders_due(self, tenant_ids: Sequence[int], today: date) -> list[int]:
        """Which of `tenant_ids` have an open order due before `today` (one index probe each)."""
        rows = await self.session.scalars(
            select(Order.tenant_id)
            .where(
                Order.tenant_id == func.any(list(tenant_ids)),
                Order.status == "open",
                Order.due_on < today,
            )
            .distinct()
        )
        return sorted(rows.all())

    async def orders_due(self, tenant_id: int, today: date) -> Sequence[Order]:
        return (
            await self.session.scalars(
                select(Order)
                .where(Order.tenant_id == tenant_id, Order.status == "open", Order.due_on < today)
                .order_by(Order.id)
                .with_for_update(skip_locked=True)
            )
        ).all()

    async def append_timeline(
        self,
        tenant_id: int,
        case_id: int,
        kind: str,
        actor: str,
        at: datetime,
        comment: str,
        data: dict[str, Any],
    ) -> int:
        """One timeline row after the case's current version's engine rows; the case row
        is locked first, so it queues with the engine's transitions and with other orders."""
        version = await self.session.scalar(
            select(Case.version)
            .where(Case.tenant_id == tenant_id, Case.id == case_id)
            .with_for_update()
        )
        if version is None:
            raise LookupError(f"case {case_id} of tenant {tenant_id}")
        low = version * SEQ_STRIDE + SEQ_OFFSET
        last = await self.session.scalar(
            select(func.max(CaseEvent.seq)).where(
                and_(
                    CaseEvent.tenant_id == tenant_id,
                    CaseEvent.case_id == case_id,
                    CaseEvent.seq >= low,
                    CaseEvent.seq < (version + 1) * SEQ_STRIDE,
                )
            )
        )
        seq = low if last is None else int(last) + 1
        await self.session.execute(
            insert(CaseEvent).values(
                tenant_id=tenant_id,
                case_id=case_id,
                seq=seq,
                kind=kind,
                actor=actor,
                at=at,
                step=None,
                task=None,
                comment=comment,
                attachments=[],
                data=data,
            )
        )
        return seq
