"""Supervision's logic: the cross-tenant queries and metrics a supervisor reads over
their subtree, and the facts, evaluations, complaints and 督办 orders it writes.

Takes the request's unit of work; its scope is the one the guard decided
(`/subtree/` routes: the supervisor's subtree). The tenants a query reads are
the scope's visible ones, narrowed by `filter.tenant` / `filter.level`; a code
outside the scope or unknown narrows to nothing and says nothing. Every write
acts as one tenant (the case's), is audited in the same transaction, and an
order or response on a case is a row of the case's timeline too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from yiwang.platform.errors import ErrorDetail
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.supervision import cross_tenant, metrics
from yiwang.runtime.supervision.errors import (
    SupervisionDone,
    SupervisionInputInvalid,
    SupervisionNotFound,
    SupervisionQueryInvalid,
)
from yiwang.runtime.supervision.models import (
    BAD_GRADE,
    RECTIFY_DAYS,
    Complaint,
    Evaluation,
    Order,
)
from yiwang.runtime.supervision.periods import CHINA, Period, PeriodError, parse_period
from yiwang.runtime.supervision.query import POWER_TYPES, CaseQuery, parse_query
from yiwang.runtime.supervision.repository import SupervisionRepository
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.tree import TenantNode, TenantTree

MAX_ORDER_DAYS: Final = 60
MAX_TEXT: Final = 2000
#: the period a metric query covers when none is given: the current month
DEFAULT_GRAIN: Final = "tenant"

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def _text(value: str | None, what: str, pointer: str) -> str:
    text = (value or "").strip()
    if not text:
        raise SupervisionInputInvalid("supervision.text_required", pointer=pointer, what=what)
    if len(text) > MAX_TEXT:
        raise SupervisionInputInvalid(
            "supervision.text_too_long", pointer=pointer, what=what, max=MAX_TEXT
        )
    return text


class SupervisionService:
    def __init__(self, uow: UnitOfWork, tree: TenantTree, *, clock: Clock = _now) -> None:
        self.uow = uow
        self.tree = tree
        self.clock = clock
        self.repo = SupervisionRepository(uow.session)

    # --- which tenants ----------------------------------------------------------
    def _visible(self) -> tuple[int, ...]:
        scope = self.uow.scope
        return scope.visible_tenant_ids if scope is not None else ()

    def tenant_ids(self, query: CaseQuery) -> list[int]:
        """The scope's tenants, narrowed by the query's tenant and level filters."""
        ids = [i for i in self._visible() if i in self.tree.by_id]
        for f in query.filters:
            values = f.value if f.op == "in" else (f.value,)
            if f.field == "tenant":
                wanted = {n.id for c in values if (n := self.tree.get(str(c))) is not None}
                ids = [i for i in ids if i in wanted]
            elif f.field == "level":
                ids = [i for i in ids if self.tree.by_id[i].level in values]
        return ids

    def _tenant(self, tenant_id: int) -> dict[str, str]:
        node = self.tree.by_id[tenant_id]
        return {"code": node.code, "name": node.name, "level": node.level}

    # --- cross-tenant reads -----------------------------------------------------
    async def cross_tenant_cases(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """A page of cases across the subtree, the tenant in every row."""
        query = parse_query(params)
        found = await cross_tenant.cross_tenant_case_page(
            self.uow.session, self.tenant_ids(query), query
        )
        return {
            "items": [self._case_row(r, query) for r in found.rows],
            "limit": query.limit,
            "truncated": found.truncated,
            "overlay": list(query.overlay),
        }

    def _case_row(self, row: Mapping[str, Any], query: CaseQuery) -> dict[str, Any]:
        out = {
            "tenant": self._tenant(int(row["tenant_id"])),
            "number": row["number"],
            "service_item": row["service_item"],
            "department": row["department"],
            "status": row["status"],
            "colour": row["colour"],
            "submitted_at": row["submitted_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
            "promised_due": row["promised_due"].isoformat() if row["promised_due"] else None,
            "power_type": row["power_type"],
            "online": row["online"],
            "fully_online": row["fully_online"],
            "visits": row["visits"],
        }
        if query.overlay:
            out["overlay"] = {k: row.get(k) for k in query.overlay}
        return out

    async def cross_tenant_export_rows(self, query: CaseQuery) -> AsyncIterator[dict[str, Any]]:
        """Rows of an export, flat (tenant code and name in columns of their own)."""
        async for row in cross_tenant.cross_tenant_case_stream(
            self.uow.session, self.tenant_ids(query), query
        ):
            flat = self._case_row(row, query)
            tenant = flat.pop("tenant")
            overlay = flat.pop("overlay", {})
            yield {"tenant_code": tenant["code"], "tenant_name": tenant["name"], **flat, **overlay}

    async def cross_tenant_counts(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """Case counts across the subtree grouped by base fields (and period)."""
        query = parse_query(params, aggregate=True)
        found = await cross_tenant.cross_tenant_case_counts(
            self.uow.session, self.tenant_ids(query), query
        )
        groups: dict[tuple[Any, ...], int] = {}
        for row in found.rows:
            key = tuple(self._group_value(g, row) for g in query.group)
            groups[key] = groups.get(key, 0) + int(row["count"])
        items = [
            {
                **{g: self._group_label(g, v) for g, v in zip(query.group, key, strict=True)},
                "count": count,
            }
            for key, count in sorted(groups.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]
        return {
            "group": list(query.group),
            "items": items,
            "total": sum(groups.values()),
            "truncated": found.truncated,
        }

    def _group_value(self, key: str, row: Mapping[str, Any]) -> Any:
        if key == "tenant":
            return int(row["tenant_id"])
        if key == "level":
            return self.tree.by_id[int(row["tenant_id"])].level
        value = row[key]
        return value.isoformat() if isinstance(value, date) else value

    def _group_label(self, key: str, value: Any) -> Any:
        return self._tenant(value) if key == "tenant" else value

    # --- metrics ----------------------------------------------------------------
    def period_of(self, raw: str | None) -> Period:
        today = china_today(self.clock())
        try:
            return parse_period(raw if raw is not None else today.strftime("%Y-%m"))
        except PeriodError as exc:
            raise SupervisionQueryInvalid(
                "supervision.query_invalid", count=1, details=[exc.detail]
            ) from None

    async def metrics(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """The supervision metrics over the scope for a period, at a grain:
        `by=department|tenant|level|total`, `period=...`, `filter.tenant`/`filter.level`."""
        problems: list[ErrorDetail] = []
        one: dict[str, str] = {}
        narrowing: dict[str, list[str]] = {}
        for name, values in params.items():
            if name in ("period", "by") and len(values) == 1:
                one[name] = values[0]
            elif name in ("filter.tenant", "filter.tenant.in", "filter.level", "filter.level.in"):
                narrowing[name] = list(values)
            else:
                problems.append(
                    ErrorDetail(
                        "supervision.parameter_unknown",
                        pointer=f"/{name[:64]}",
                        params={"name": name[:64]},
                    )
                )
        grain = one.get("by", DEFAULT_GRAIN)
        if grain not in metrics.GRAINS:
            problems.append(
                ErrorDetail(
                    "supervision.group_unknown",
                    pointer="/by",
                    params={"field": grain[:32], "allowed": "、".join(metrics.GRAINS)},
                )
            )
        try:
            query = parse_query(narrowing)
        except SupervisionQueryInvalid as exc:
            problems.extend(exc.details)
            query = CaseQuery()
        try:
            period = parse_period(one["period"]) if "period" in one else self.period_of(None)
        except PeriodError as exc:
            problems.append(exc.detail)
            period = self.period_of(None)
        if problems:
            raise SupervisionQueryInvalid(
                "supervision.query_invalid", count=len(problems), details=problems
            )
        ids = self.tenant_ids(query)
        rows = await cross_tenant.cross_tenant_metric_rows(self.uow.session, ids, period)
        return {
            "period": period.as_dict(),
            "by": grain,
            "items": self._fold(rows, ids, grain),
        }

    def _fold(
        self, rows: Mapping[str, list[dict[str, Any]]], ids: Sequence[int], grain: str
    ) -> list[dict[str, Any]]:
        def key(tenant_id: int, department: str | None) -> tuple[Any, ...]:
            if grain == "department":
                return (tenant_id, department or "")
            if grain == "tenant":
                return (tenant_id,)
            if grain == "level":
                return (self.tree.by_id[tenant_id].level,)
            return ()

        folded = metrics.fold(rows, key)
        if grain == "tenant":
            for i in ids:
                folded.setdefault((i,), metrics.Counts())
        lists: dict[int, Any] = {}
        if grain == "tenant" and ids:
            root = self.tree.root_of(self.tree.by_id[ids[0]].code)
            lists = metrics.completeness(rows.get("lists", []), root.id)
        out: list[dict[str, Any]] = []
        for group, counts in folded.items():
            item: dict[str, Any] = {}
            if grain in ("department", "tenant"):
                item["tenant"] = self._tenant(group[0])
            if grain == "department":
                item["department"] = group[1] or None
            if grain == "level":
                item["level"] = group[0]
            item.update(counts.figures())
            if grain == "tenant":
                item["completeness"] = lists.get(
                    group[0],
                    metrics.completeness([], root.id).get(group[0])
                    or {t: {"items": 0, "base": None, "rate": None} for t in metrics.LIST_COUNTERS},
                )
            out.append(item)
        out.sort(
            key=lambda i: (
                i.get("tenant", {}).get("code", ""),
                str(i.get("department") or i.get("level") or ""),
            )
        )
        return out

    # --- facts, evaluations, complaints (single tenant) -------------------------
    async def _case(self, tenant: TenantNode, number: str) -> Any:
        case = await self.repo.case_by_number(tenant.id, number)
        if case is None:
            raise SupervisionNotFound("supervision.case_not_found", number=number[:40])
        return case

    async def record_facts(
        self,
        code: str,
        number: str,
        *,
        power_type: str | None,
        online: bool,
        fully_online: bool,
        visits: int,
    ) -> None:
        """What a case's supervision needs and the case lacks (set on submission)."""
        tenant = self.tree.node(code)
        if power_type is not None and power_type not in POWER_TYPES:
            raise SupervisionInputInvalid(
                "supervision.value_invalid",
                pointer="/power_type",
                field="power_type",
                value=power_type[:16],
                expected="、".join(POWER_TYPES),
            )
        if visits < 0 or visits > 99 or (fully_online and not online):
            raise SupervisionInputInvalid(
                "supervision.value_invalid",
                pointer="/visits" if visits < 0 or visits > 99 else "/fully_online",
                field="visits" if visits < 0 or visits > 99 else "fully_online",
                value=str(visits if visits < 0 or visits > 99 else fully_online),
                expected="0 至 99 次；全程网办的事项必须可网上办理",
            )
        case = await self._case(tenant, number)
        await self.repo.put_facts(
            tenant.id,
            case.id,
            {
                "power_type": power_type,
                "online": online,
                "fully_online": fully_online,
                "visits": visits,
            },
        )

    async def _calendar_add(self, code: str, start: date, days: int) -> date:
        calendar = await Calendars(self.uow, self.tree).working_calendar(
            code, start - timedelta(days=7), start + timedelta(days=days * 3 + 60)
        )
        return calendar.add_working_days(start, days)

    async def evaluate(self, code: str, number: str, grade: int, comment: str = "") -> int:
        """A 好差评 on a case; a bad one (1, 2) is due for rectification in 15 working days."""
        tenant = self.tree.node(code)
        if not 1 <= grade <= 5:
            raise SupervisionInputInvalid(
                "supervision.grade_invalid", pointer="/grade", value=grade
            )
        case = await self._case(tenant, number)
        now = self.clock()
        due = (
            await self._calendar_add(code, china_today(now), RECTIFY_DAYS)
            if grade <= BAD_GRADE
            else None
        )
        new_id = await self.repo.add(
            Evaluation,
            {
                "tenant_id": tenant.id,
                "case_id": case.id,
                "grade": grade,
                "comment": comment[:MAX_TEXT],
                "at": now,
                "rectify_due": due,
            },
        )
        await self.uow.audit(
            action="supervision.evaluate",
            object_type="case",
            object_id=number,
            tenant_id=tenant.id,
            detail={"evaluation": new_id, "grade": grade},
        )
        return new_id

    async def rectify(self, code: str, evaluation_id: int) -> None:
        tenant = self.tree.node(code)
        found = await self.repo.evaluation(tenant.id, evaluation_id)
        if found is None:
            raise SupervisionNotFound("supervision.evaluation_not_found", id=evaluation_id)
        if found.grade > BAD_GRADE:
            raise SupervisionInputInvalid("supervision.evaluation_not_bad", id=evaluation_id)
        if found.rectified_at is not None:
            raise SupervisionDone("supervision.already_done", what="差评", id=evaluation_id)
        now = self.clock()
        await self.repo.update(Evaluation, tenant.id, evaluation_id, rectified_at=now)
        await self.uow.audit(
            action="supervision.rectify",
            object_type="evaluation",
            object_id=str(evaluation_id),
            tenant_id=tenant.id,
            detail={"case_id": found.case_id},
        )

    async def complain(
        self, code: str, content: str, *, number: str | None = None, department: str | None = None
    ) -> int:
        tenant = self.tree.node(code)
        if (number is None) == (department is None):
            raise SupervisionInputInvalid("supervision.order_target_invalid", pointer="")
        text = _text(content, "投诉内容", "/content")
        case_id = (await self._case(tenant, number)).id if number is not None else None
        new_id = await self.repo.add(
            Complaint,
            {
                "tenant_id": tenant.id,
                "case_id": case_id,
                "department": department,
                "content": text,
                "opened_at": self.clock(),
            },
        )
        await self.uow.audit(
            action="supervision.complaint",
            object_type="complaint",
            object_id=str(new_id),
            tenant_id=tenant.id,
            detail={"case": number, "department": department},
        )
        return new_id

    async def close_complaint(self, code: str, complaint_id: int, answer: str) -> None:
        tenant = self.tree.node(code)
        found = await self.repo.complaint(tenant.id, complaint_id)
        if found is None:
            raise SupervisionNotFound("supervision.complaint_not_found", id=complaint_id)
        if found.closed_at is not None:
            raise SupervisionDone("supervision.already_done", what="投诉", id=complaint_id)
        text = _text(answer, "答复", "/answer")
        await self.repo.update(
            Complaint, tenant.id, complaint_id, closed_at=self.clock(), answer=text
        )
        await self.uow.audit(
            action="supervision.complaint_closed",
            object_type="complaint",
            object_id=str(complaint_id),
            tenant_id=tenant.id,
        )

    # --- 督办 orders ------------------------------------------------------------
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
        text = _text(reason, "督办事由", "/reason")
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
        text = _text(response, "答复", "/response")
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
