"""A worker's working calendars, read once per version of the tenant registry.

Opening a case computes its deadlines from the province's calendar; reading
it on every application was one statement and an ORM load of ~1,600 rows.
Every calendar edit bumps `registry_state.version` in its own transaction and
announces it (`Calendars.replace_year`), so every worker loads a new tenant
tree within the directory's poll interval. A calendar held here is keyed by
the tree it was read under: a new tree, and the calendars go with the old one.
"""

from __future__ import annotations

from datetime import date

from yiwang.tenants.calendars.workdays import WorkingCalendar
from yiwang.tenants.tree import TenantTree

#: distinct (province, window) entries kept; a window moves once a day
MAX_ENTRIES = 256


class CalendarCache:
    """Working calendars by (province id, first day, last day) for one tree at a time."""

    def __init__(self) -> None:
        self._tree: TenantTree | None = None
        self._held: dict[tuple[int, date, date], WorkingCalendar] = {}

    def get(
        self, tree: TenantTree, province_id: int, start: date, end: date
    ) -> WorkingCalendar | None:
        if tree is not self._tree:
            return None
        return self._held.get((province_id, start, end))

    def put(
        self, tree: TenantTree, province_id: int, start: date, end: date, calendar: WorkingCalendar
    ) -> None:
        if tree is not self._tree:
            self._tree, self._held = tree, {}
        if len(self._held) >= MAX_ENTRIES:
            self._held.clear()
        self._held[(province_id, start, end)] = calendar
