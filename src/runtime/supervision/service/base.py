"""What every part of the supervision service stands on: the unit of work, the
tenant tree and the clock; which tenants a query may read; the case a write is
about; working days on the tenant's calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.supervision.errors import SupervisionInputInvalid, SupervisionNotFound
from yiwang.runtime.supervision.query import CaseQuery
from yiwang.runtime.supervision.repository import SupervisionRepository
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.tree import TenantNode, TenantTree

MAX_TEXT: Final = 2000

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA_TIME).date()


def required_text(value: str | None, what: str, pointer: str) -> str:
    text = (value or "").strip()
    if not text:
        raise SupervisionInputInvalid("supervision.text_required", pointer=pointer, what=what)
    if len(text) > MAX_TEXT:
        raise SupervisionInputInvalid(
            "supervision.text_too_long", pointer=pointer, what=what, max=MAX_TEXT
        )
    return text


class SupervisionBase:
    """The state and lookups the reads and writes share."""

    def __init__(self, uow: UnitOfWork, tree: TenantTree, *, clock: Clock = _now) -> None:
        self.uow = uow
        self.tree = tree
        self.clock = clock
        self.repo = SupervisionRepository(uow.session)

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

    async def _case(self, tenant: TenantNode, number: str) -> Any:
        case = await self.repo.case_by_number(tenant.id, number)
        if case is None:
            raise SupervisionNotFound("supervision.case_not_found", number=number[:40])
        return case

    async def _calendar_add(self, code: str, start: date, days: int) -> date:
        calendar = await Calendars(self.uow, self.tree).working_calendar(
            code, start - timedelta(days=7), start + timedelta(days=days * 3 + 60)
        )
        return calendar.add_working_days(start, days)
