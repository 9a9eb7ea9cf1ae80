"""Working-day calendars: statutory time limits are counted in working days.

A day is a working day when it is a weekday that is not a holiday, or a weekend
day declared a workday (调休上班). Each province keeps its own calendar.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from yiwang.platform.errors import InvalidInput
from yiwang.platform.text import codepoint, first_unsafe

KINDS = ("holiday", "workday")


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    kind: str
    name: str


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_entries(cls, entries: Iterable[CalendarEntry]) -> WorkingCalendar:
        items = list(entries)
        return cls(
            frozenset(e.day for e in items if e.kind == "holiday"),
            frozenset(e.day for e in items if e.kind == "workday"),
        )

    @classmethod
    def from_days(cls, days: Iterable[tuple[date, str]]) -> WorkingCalendar:
        """From (day, kind) pairs, as `CalendarRepository.day_kinds` reads them."""
        items = list(days)
        return cls(
            frozenset(d for d, kind in items if kind == "holiday"),
            frozenset(d for d, kind in items if kind == "workday"),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date on which a limit of `days` working days, counted from the day after
        `start`, runs out."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


def parse_calendar(raw: bytes | str, *, year: int | None = None) -> list[CalendarEntry]:
    """Parse `date,kind,name` rows; every problem names its line."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    reader = csv.reader(io.StringIO(text))
    entries: list[CalendarEntry] = []
    seen: set[date] = set()
    for row in reader:
        line = reader.line_num
        if not row or row[0].strip().lower() == "date":
            continue
        value = row[0].strip()
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                "calendar.date_invalid", pointer=f"/lines/{line}", line=line, value=value
            ) from None
        if year is not None and day.year != year:
            raise InvalidInput(
                "calendar.date_invalid", pointer=f"/lines/{line}", line=line, value=value
            )
        kind = row[1].strip() if len(row) > 1 else ""
        if kind not in KINDS:
            raise InvalidInput(
                "calendar.kind_invalid", pointer=f"/lines/{line}", line=line, value=kind
            )
        if day in seen:
            raise InvalidInput(
                "calendar.duplicate", pointer=f"/lines/{line}", line=line, value=value
            )
        if kind == "workday" and day.weekday() < 5:
            raise InvalidInput(
                "calendar.weekday_workday", pointer=f"/lines/{line}", line=line, value=value
            )
        name = row[2].strip() if len(row) > 2 else ""
        if (at := first_unsafe(name)) is not None:
            raise InvalidInput(
                "calendar.name_unsafe",
                pointer=f"/lines/{line}",
                line=line,
                char=codepoint(name[at]),
            )
        seen.add(day)
        entries.append(CalendarEntry(day, kind, name))
    return entries
