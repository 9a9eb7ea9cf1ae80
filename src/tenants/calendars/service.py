"""Maintain a province's calendar year by year, and read a tenant's working calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform import audit
from yiwang.platform.errors import InvalidInput, NotFound
from yiwang.tenants.calendars.workdays import CalendarEntry, WorkingCalendar, parse_calendar
from yiwang.tenants.models import Level, Tenant
from yiwang.tenants.repository import CalendarRepository, TenantRepository


async def province_of(session: AsyncSession, code: str) -> Tenant:
    repo = TenantRepository(session)
    tenant = await repo.by_code(code)
    if tenant is None:
        raise NotFound("tenant.not_found", pointer="/code", code=code)
    province_code = tenant.path.strip("/").split("/")[0]
    province = tenant if tenant.code == province_code else await repo.by_code(province_code)
    if province is None:
        raise NotFound("tenant.not_found", pointer="/code", code=province_code)
    return province


async def replace_year(
    session: AsyncSession, *, code: str, year: int, csv_text: str | bytes, actor: str
) -> int:
    """Replace one year of a province's calendar; the whole year is checked first."""
    repo = TenantRepository(session)
    tenant = await repo.by_code(code)
    if tenant is None:
        raise NotFound("tenant.not_found", pointer="/code", code=code)
    if tenant.level != Level.PROVINCE:
        raise InvalidInput("calendar.not_province", pointer="/code", code=code)
    entries = parse_calendar(csv_text, year=year)
    await CalendarRepository(session).replace_year(
        tenant.id,
        year,
        [{"province_id": tenant.id, "day": e.day, "kind": e.kind, "name": e.name} for e in entries],
    )
    await audit.record(
        session,
        actor=actor,
        action="calendar.replace_year",
        object_type="calendar",
        object_id=f"{code}/{year}",
        tenant_id=tenant.id,
        detail={"entries": len(entries)},
    )
    return len(entries)


async def entries_for(session: AsyncSession, code: str, year: int) -> list[CalendarEntry]:
    province = await province_of(session, code)
    rows = await CalendarRepository(session).days(province.id, date(year, 1, 1), date(year, 12, 31))
    return [CalendarEntry(r.day, r.kind, r.name) for r in rows]


async def working_calendar(
    session: AsyncSession, code: str, start: date, end: date
) -> WorkingCalendar:
    province = await province_of(session, code)
    rows = await CalendarRepository(session).days(province.id, start, end)
    return WorkingCalendar.from_entries(CalendarEntry(r.day, r.kind, r.name) for r in rows)
