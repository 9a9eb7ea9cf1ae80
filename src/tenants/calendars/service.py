"""Maintain a province's calendar year by year, and read a tenant's working calendar.

A change of a year bumps the tenant registry's version in the same transaction
and announces it after commit, as every registry change does: workers holding
calendars in a `CalendarCache` (keyed by the tree of that version) read them
again under the new tree, within the directory's poll interval at the latest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from yiwang.platform.errors import InvalidInput
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.calendars.cache import CalendarCache
from yiwang.tenants.calendars.workdays import CalendarEntry, WorkingCalendar, parse_calendar
from yiwang.tenants.lifecycle import announce_after_commit
from yiwang.tenants.models import Level
from yiwang.tenants.repository import CalendarRepository, TenantRepository
from yiwang.tenants.tree import TenantTree


class Calendars:
    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        *,
        announce: Callable[[int], Awaitable[None]] | None = None,
        cache: CalendarCache | None = None,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.repo = CalendarRepository(uow.session)
        #: tells the workers of a committed registry version (`TenantDirectory.changed`)
        self.announce = announce
        self.cache = cache

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
        version = await TenantRepository(self.uow.session).bump_version()
        if self.announce is not None:
            announce_after_commit(self.uow, version, self.announce)
        return len(entries)

    async def entries_for(self, code: str, year: int) -> list[CalendarEntry]:
        province = self.tree.root_of(code)
        rows = await self.repo.days(province.id, date(year, 1, 1), date(year, 12, 31))
        return [CalendarEntry(r.day, r.kind, r.name) for r in rows]

    async def working_calendar(self, code: str, start: date, end: date) -> WorkingCalendar:
        """`code`'s province's calendar from `start` to `end`: from the cache when one is held
        for this tree, else read (and kept)."""
        province = self.tree.root_of(code)
        if self.cache is not None:
            held = self.cache.get(self.tree, province.id, start, end)
            if held is not None:
                return held
        calendar = WorkingCalendar.from_days(await self.repo.day_kinds(province.id, start, end))
        if self.cache is not None:
            self.cache.put(self.tree, province.id, start, end, calendar)
        return calendar
