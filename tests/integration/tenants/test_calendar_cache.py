"""A worker's cached working calendar follows a calendar edit: the edit bumps the registry
version and announces it, the directory loads a new tree, and the cache keyed by the old
tree is not served again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.integration.stack import Stack
from yiwang.tenants.calendars.cache import CalendarCache
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.dependencies import TenantServices

PROVINCE, COUNTY = "620000", "620102"
YEAR = 2028
#: a Wednesday: a working day unless the province declares it a holiday
DAY = date(YEAR, 3, 15)
WINDOW = (date(YEAR, 1, 1), date(YEAR, 12, 31))


async def test_a_calendar_edit_reaches_the_cached_calendar(services: Stack) -> None:
    cache = CalendarCache()
    tenants = TenantServices(services.directory, Path("."))
    directory = services.directory
    async with services.unit() as uow:
        kept = await Calendars(uow, directory.tree).entries_for(PROVINCE, YEAR)
    original = "".join(f"{e.day.isoformat()},{e.kind},{e.name}\n" for e in kept)

    async def read() -> bool:
        async with services.unit() as uow:
            calendar = await Calendars(uow, directory.tree, cache=cache).working_calendar(
                COUNTY, *WINDOW
            )
        return calendar.is_working_day(DAY)

    async def replace(csv_text: str) -> None:
        async with services.unit() as uow:
            await tenants.calendars(uow).replace_year(PROVINCE, YEAR, csv_text)

    try:
        await replace("")
        assert await read() is True
        province_id = directory.tree.node(PROVINCE).id
        held = cache.get(directory.tree, province_id, *WINDOW)
        assert held is not None and held.is_working_day(DAY)  # the second read is the cache's
        version, tree = directory.version, directory.tree
        await replace(f"{DAY.isoformat()},holiday,测试假日\n")
        # the announcement ran after commit: this worker holds the new version's tree
        assert directory.version == version + 1 and directory.tree is not tree
        assert cache.get(directory.tree, province_id, *WINDOW) is None
        assert await read() is False
    finally:
        await replace(original)
