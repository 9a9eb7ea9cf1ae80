"""Working-day deadlines, pure: start, stop, resume, colours, around the 2026 holidays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.runtime.cases import deadlines
from yiwang.runtime.cases.numbering import case_number
from yiwang.tenants.calendars.workdays import WorkingCalendar, parse_calendar

TEMPLATES = Path(__file__).resolve().parents[4] / "tenant_templates"
CALENDAR = WorkingCalendar.from_entries(
    parse_calendar((TEMPLATES / "cn-holidays-2026.csv").read_bytes())
)


def test_deadline_crosses_the_national_day_week() -> None:
    d = deadlines.start(CALENDAR, date(2026, 9, 29), 20, 5)
    # 30 Sep, 8 Oct, 9 Oct, Saturday 10 Oct (调休 workday), Monday 12 Oct
    assert d.promised_due == date(2026, 10, 12)
    assert d.warn_on == date(2026, 10, 10)
    assert (d.colour, d.next_check) == ("green", date(2026, 10, 10))


def test_warning_point_is_configurable() -> None:
    d = deadlines.start(CALENDAR, date(2026, 3, 2), None, 10, warning_days=3)
    assert d.promised_due == date(2026, 3, 16)
    assert d.warn_on == date(2026, 3, 11)  # three working days before Monday 16 March
    assert d.statutory_due is None


@pytest.mark.parametrize(
    ("today", "colour", "next_check"),
    [
        (date(2026, 3, 12), "green", date(2026, 3, 13)),
        (date(2026, 3, 13), "yellow", date(2026, 3, 17)),
        (date(2026, 3, 16), "yellow", date(2026, 3, 17)),
        (date(2026, 3, 17), "red", None),
    ],
)
def test_colours(today: date, colour: str, next_check: date | None) -> None:
    assert deadlines.colour_on(today, date(2026, 3, 16), date(2026, 3, 13)) == (colour, next_check)


def test_stop_keeps_working_days_left_and_resume_counts_them_again() -> None:
    running = deadlines.start(CALENDAR, date(2026, 9, 21), 20, 10)
    stopped = deadlines.stop(CALENDAR, date(2026, 9, 24), running)
    assert stopped.promised_due is None and stopped.next_check is None
    assert stopped.promised_left == CALENDAR.working_days_between(
        date(2026, 9, 24), running.promised_due or date.min
    )
    resumed = deadlines.resume(CALENDAR, date(2026, 10, 8), stopped)
    assert resumed.promised_due == CALENDAR.add_working_days(
        date(2026, 10, 8), stopped.promised_left or 0
    )
    assert resumed.colour == "green"


def test_an_overdue_clock_stays_overdue_after_a_pause() -> None:
    running = deadlines.start(CALENDAR, date(2026, 3, 2), None, 2)  # due Wednesday 4 March
    stopped = deadlines.stop(CALENDAR, date(2026, 3, 6), running)
    assert stopped.promised_left == -2
    resumed = deadlines.resume(CALENDAR, date(2026, 3, 10), stopped)
    assert resumed.promised_due == date(2026, 3, 6)
    assert resumed.colour == "red"


def test_case_numbers() -> None:
    assert case_number("620102", date(2026, 3, 2), 7) == "620102-20260302-000007"
    with pytest.raises(InvalidInput) as bad:
        case_number("62-01", date(2026, 3, 2), 1)
    assert bad.value.code == "cases.implementing_code_invalid"
