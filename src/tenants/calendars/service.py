"""Maintain a province's calendar year by year, and read a tenant's working calendar.

Calendars are read from PostgreSQL whenever a deadline is computed, so a new
year takes effect on every worker at its next read: there is nothing to announce.
"""

from __future__ import annotations

from datetime import date

from yiwang.platform.errors import InvalidInput
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.calendars.workdays import CalendarEntry, WorkingCalendar, parse_calendar
from yiwang.tenants.models import Level
from yiwang.tenants.repository import CalendarRepository
from yiwang.tenants.tree import TenantTree


class Calendars:
    def __init__(self, uow: UnitOfWork, tree: TenantTree) -> None:
        self.uow = uow
        self.tree = tree
        self.repo = CalendarRepository(uow.session)

    async def replace_year(self, code: str, year: int, csv_text: str | bytes) -> int:
        """Replace one year of a province's calendar; the whole year is checked first."""
        tenant = self.tree.node(code)
        if tenant.level != Level.PROVINCE:
            raise InvalidInput("calendar.not_province", pointer="/code", code=code)
        entries = parse_calendar(csv_text, year=year)
        await self.repo.replace_year(
            tenant.id,
            year,
            [
                {"province_id": tenant.id, "day": e.day, "kind": e.kind, "name": e.name}
                for e in entries
            ],
        )
        await self.uow.audit(
            action="calendar.replace_year",
            object_type="calendar",
            object_id=f"{code}/{year}",
            tenant_id=tenant.id,
            detail={"entries": len(entries)},
        )
        return len(entries)

    async def entries_for(self, code: str, year: int) -> list[CalendarEntry]:
        province = self.tree.root_of(code)
        rows = await self.repo.days(province.id, date(year, 1, 1), date(year, 12, 31))
        return [CalendarEntry(r.day, r.kind, r.name) for r in rows]

    async def working_calendar(self, code: str, start: date, end: date) -> WorkingCalendar:
        province = self.tree.root_of(code)
        rows = await self.repo.days(province.id, start, end)
        return WorkingCalendar.from_entries(CalendarEntry(r.day, r.kind, r.name) for r in rows)
