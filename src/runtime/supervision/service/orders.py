"""督办 orders: issued on a case or a department, answered, listed, and escalated
to the parent tenant when their day passes. An order or answer on a case is a
row of the case's timeline too; every step is audited.
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.platform.errors import ErrorDetail
from yiwang.platform.tenant_context import TenantScope
from yiwang.runtime.supervision.errors import (
    SupervisionDone,
    SupervisionInputInvalid,
    SupervisionNotFound,
    SupervisionQueryInvalid,
)
from yiwang.runtime.supervision.models import Order
from yiwang.runtime.supervision.service.base import SupervisionBase, china_today, required_text

MAX_ORDER_DAYS: Final = 60


class Orders(SupervisionBase):
    async def issue_order(
        self,
        code: str,
        *,
        reason: str,
        days: int,
        issuer: str,
        issuer_code: str,
        number: str | None = None,
        department: str | None = None,
    ) -> dict[str, Any]:
        """A 督办 order on a case or a department of `code`, answerable in `days`
        working days; audited, and on the case's timeline."""
        tenant = self.tree.node(code)
        if (number is None) == (department is None):
            raise SupervisionInputInvalid("supervision.order_target_invalid", pointer="")
        if not 1 <= days <= MAX_ORDER_DAYS:
            raise SupervisionInputInvalid(
                "supervision.order_days_invalid", pointer="/days", max=MAX_ORDER_DAYS, value=days
            )
        text = required_text(reason, "督办事由", "/reason")
        case = await self._case(tenant, number) if number is not None else None
        now = self.clock()
        due = await self._calendar_add(code, china_today(now), days)
        issuer_node = self.tree.get(issuer_code) or tenant
        order_id = await self.repo.add(
            Order,
            {
                "tenant_id": tenant.id,
                "case_id": case.id if case is not None else None,
                "department": department,
                "issued_by": issuer,
                "issuer_tenant_id": issuer_node.id,
                "reason": text,
                "issued_at": now,
                "due_on": due,
                "status": "open",
            },
        )
        if case is not None:
            await self.repo.append_timeline(
                tenant.id,
                case.id,
                "supervision.order",
                self.uow.actor,
                now,
                text,
                {"order": order_id, "due_on": due.isoformat(), "issuer": issuer_node.code},
            )
        await self.uow.audit(
            action="supervision.order",
            object_type="supervision_order",
            object_id=str(order_id),
            tenant_id=tenant.id,
            detail={"case": number, "department": department, "due_on": due.isoformat()},
        )
        return {"id": order_id, "due_on": due.isoformat(), "status": "open"}

    async def respond(self, code: str, order_id: int, response: str, responder: str) -> None:
        tenant = self.tree.node(code)
        order = await self.repo.order(tenant.id, order_id, lock=True)
        if order is None:
            raise SupervisionNotFound("supervision.order_not_found", id=order_id)
        if order.status != "open":
            label = "答复" if order.status == "answered" else "升级督办"
            raise SupervisionDone("supervision.order_closed", id=order_id, status=label)
        text = required_text(response, "答复", "/response")
        now = self.clock()
        await self.repo.update(
            Order,
            tenant.id,
            order_id,
            status="answered",
            response=text,
            responded_by=responder,
            responded_at=now,
        )
        if order.case_id is not None:
            await self.repo.append_timeline(
                tenant.id,
                order.case_id,
                "supervision.response",
                self.uow.actor,
                now,
                text,
                {"order": order_id},
            )
        await self.uow.audit(
            action="supervision.response",
            object_type="supervision_order",
            object_id=str(order_id),
            tenant_id=tenant.id,
        )

    async def orders(self, code: str, status: str | None, limit: int = 100) -> list[dict[str, Any]]:
        tenant = self.tree.node(code)
        if status is not None and status not in ("open", "answered", "escalated"):
            raise SupervisionQueryInvalid(
                "supervision.query_invalid",
                count=1,
                details=[
                    ErrorDetail(
                        "supervision.value_invalid",
                        pointer="/status",
                        params={
                            "field": "status",
                            "value": status[:16],
                            "expected": "open、answered、escalated",
                        },
                    )
                ],
            )
        rows = await self.repo.orders(tenant.id, status, max(1, min(limit, 500)))
        return [
            {
                "id": o.id,
                "case_id": o.case_id,
                "department": o.department,
                "reason": o.reason,
                "issued_by": o.issued_by,
                "issued_at": o.issued_at.isoformat(),
                "due_on": o.due_on.isoformat(),
                "status": o.status,
                "response": o.response,
                "escalated_from": o.escalated_from,
                "escalated_from_tenant": (
                    self.tree.by_id[o.escalated_from_tenant_id].code
                    if o.escalated_from_tenant_id is not None
                    and o.escalated_from_tenant_id in self.tree.by_id
                    else None
                ),
            }
            for o in rows
        ]

    async def escalate_due(self, days: int = 5) -> int:
        """Escalate every open order whose response day has passed to the next level up:
        a new order at the parent tenant (answerable in `days` working days) pointing at
        it; the original becomes `escalated`. A root's order has nowhere to go and stays.
        Reads every tenant in one statement, then acts as each tenant in turn."""
        ids = sorted(self.tree.by_id)
        if not ids:
            return 0
        now = self.clock()
        today = china_today(now)
        await self.uow.use_scope(TenantScope(ids[0], tuple(ids)))
        due_tenants = await self.repo.tenants_with_orders_due(ids, today)
        escalated = 0
        for tenant_id in due_tenants:
            node = self.tree.by_id[tenant_id]
            parent = self.tree.get(node.parent_code) if node.parent_code else None
            if parent is None:
                continue
            await self.uow.use_scope(TenantScope.single(tenant_id))
            for order in await self.repo.orders_due(tenant_id, today):
                await self.repo.update(
                    Order, tenant_id, order.id, status="escalated", escalated_at=now
                )
                if order.case_id is not None:
                    await self.repo.append_timeline(
                        tenant_id,
                        order.case_id,
                        "supervision.escalated",
                        self.uow.actor,
                        now,
                        order.reason,
                        {"order": order.id, "to": parent.code},
                    )
                await self.uow.audit(
                    action="supervision.escalate",
                    object_type="supervision_order",
                    object_id=str(order.id),
                    tenant_id=tenant_id,
                    detail={"to": parent.code},
                )
                await self.uow.use_scope(TenantScope.single(parent.id))
                due = await self._calendar_add(parent.code, today, days)
                new_id = await self.repo.add(
                    Order,
                    {
                        "tenant_id": parent.id,
                        "case_id": None,
                        "department": order.department,
                        "issued_by": self.uow.actor,
                        "issuer_tenant_id": order.issuer_tenant_id,
                        "reason": order.reason,
                        "issued_at": now,
                        "due_on": due,
                        "status": "open",
                        "escalated_from": order.id,
                        "escalated_from_tenant_id": tenant_id,
                    },
                )
                await self.uow.audit(
                    action="supervision.order",
                    object_type="supervision_order",
                    object_id=str(new_id),
                    tenant_id=parent.id,
                    detail={"escalated_from": order.id, "from": node.code},
                )
                await self.uow.use_scope(TenantScope.single(tenant_id))
                escalated += 1
        return escalated
