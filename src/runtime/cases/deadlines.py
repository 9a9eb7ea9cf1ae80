"""Working-day deadlines of a case, as plain values: pure, tested on their own.

A running clock has due dates; a stopped one (补正, a special procedure with
`stops_clock`) has the working days that were left instead, and gets new due
dates counted from the day it resumes. The colour follows the promised
deadline (the statutory one when none is promised): green, yellow from
`warn_on` (by default one working day before the deadline), red once the
deadline has passed. `next_check` is the day the colour next changes, so the
sweep touches only the cases whose day has come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from yiwang.tenants.calendars.workdays import WorkingCalendar

Colour = Literal["green", "yellow", "red"]
#: how far ahead a calendar must reach to place any deadline (a year of working days and more)
HORIZON_DAYS = 800


@dataclass(frozen=True)
class Deadlines:
    statutory_due: date | None = None
    promised_due: date | None = None
    statutory_left: int | None = None
    promised_left: int | None = None
    warn_on: date | None = None
    colour: Colour | None = None
    next_check: date | None = None

    @property
    def running(self) -> bool:
        return self.statutory_due is not None or self.promised_due is not None


def warn_day(calendar: WorkingCalendar, due: date, warning_days: int) -> date:
    """The working day `warning_days` working days before `due` (due itself for 0)."""
    day, left = due, warning_days
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def colour_on(today: date, due: date, warn_on: date) -> tuple[Colour, date | None]:
    """The colour on `today` and the next day it changes (None once red)."""
    if today > due:
        return "red", None
    if today >= warn_on:
        return "yellow", due + timedelta(days=1)
    return "green", warn_on


def _with_colour(
    base: Deadlines, calendar: WorkingCalendar, today: date, warning_days: int
) -> Deadlines:
    due = base.promised_due or base.statutory_due
    if due is None:
        return base
    warn_on = warn_day(calendar, due, warning_days)
    colour, next_check = colour_on(today, due, warn_on)
    return Deadlines(base.statutory_due, base.promised_due, None, None, warn_on, colour, next_check)


def start(
    calendar: WorkingCalendar,
    today: date,
    statutory_days: int | None,
    promised_days: int | None,
    warning_days: int = 1,
) -> Deadlines:
    """Deadlines of a clock starting (or resuming) on `today` with these working days left."""
    base = Deadlines(
        statutory_due=(
            calendar.add_working_days(today, max(statutory_days, 0))
            if statutory_days is not None
            else None
        ),
        promised_due=(
            calendar.add_working_days(today, max(promised_days, 0))
            if promised_days is not None
            else None
        ),
    )
    return _with_colour(base, calendar, today, warning_days)


def stop(calendar: WorkingCalendar, today: date, current: Deadlines) -> Deadlines:
    """Stop the clock: keep the working days left (negative when already overdue)."""

    def left(due: date | None) -> int | None:
        if due is None:
            return None
        if due >= today:
            return calendar.working_days_between(today, due)
        return -calendar.working_days_between(due, today)

    return Deadlines(
        statutory_left=left(current.statutory_due),
        promised_left=left(current.promised_due),
        colour=current.colour,
    )


def resume(
    calendar: WorkingCalendar, today: date, stopped: Deadlines, warning_days: int = 1
) -> Deadlines:
    """Resume a stopped clock: the days that were left count again from `today`."""
    base = Deadlines(
        statutory_due=_due_after(calendar, today, stopped.statutory_left),
        promised_due=_due_after(calendar, today, stopped.promised_left),
    )
    return _with_colour(base, calendar, today, warning_days)


def _due_after(calendar: WorkingCalendar, today: date, left: int | None) -> date | None:
    if left is None:
        return None
    if left >= 0:
        return calendar.add_working_days(today, left)
    # already overdue when it stopped: the overdue days are not forgiven
    day, overdue = today, -left
    while overdue:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            overdue -= 1
    return day


def task_due(calendar: WorkingCalendar, opened: date, days: int | None) -> date | None:
    return calendar.add_working_days(opened, days) if days is not None else None
