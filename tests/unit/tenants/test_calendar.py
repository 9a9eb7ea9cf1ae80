from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.tenants.calendars.cache import CalendarCache
from yiwang.tenants.calendars.workdays import CalendarEntry, WorkingCalendar, parse_calendar
from yiwang.tenants.tree import TenantTree

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"


@pytest.fixture(scope="module")
def cal2026() -> WorkingCalendar:
    return WorkingCalendar.from_entries(
        parse_calendar((TEMPLATES / "cn-holidays-2026.csv").read_bytes())
    )


def test_national_day_week_is_skipped(cal2026: WorkingCalendar) -> None:
    # Wednesday 30 September + 1 working day: 1-7 October are holidays,
    # Thursday 8 October is the next working day.
    assert cal2026.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_adjusted_workday_counts(cal2026: WorkingCalendar) -> None:
    assert cal2026.is_working_day(date(2026, 10, 10))  # a Saturday worked instead
    assert cal2026.is_working_day(date(2026, 9, 20))  # a Sunday worked instead
    assert not cal2026.is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert not cal2026.is_working_day(date(2026, 10, 5))  # a Monday holiday


def test_twenty_working_days_across_spring_festival(cal2026: WorkingCalendar) -> None:
    end = cal2026.add_working_days(date(2026, 2, 2), 20)
    assert cal2026.working_days_between(date(2026, 2, 2), end) == 20
    # Without the calendar the same limit would end ten days earlier.
    assert end > WorkingCalendar().add_working_days(date(2026, 2, 2), 20)


def test_zero_days_is_the_same_day(cal2026: WorkingCalendar) -> None:
    assert cal2026.add_working_days(date(2026, 5, 6), 0) == date(2026, 5, 6)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-13-01,holiday,x\n", "calendar.date_invalid"),
        ("2026-01-01,vacation,x\n", "calendar.kind_invalid"),
        ("2026-01-01,holiday,x\n2026-01-01,holiday,y\n", "calendar.duplicate"),
        ("2026-01-05,workday,x\n", "calendar.weekday_workday"),
        ("2027-01-01,holiday,x\n", "calendar.date_invalid"),
    ],
)
def test_bad_calendar_rows(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_calendar("date,kind,name\n" + text, year=2026)
    assert info.value.code == code


def test_the_calendar_cache_serves_only_the_tree_it_was_read_under() -> None:
    tree, newer = TenantTree.of(()), TenantTree.of(())
    cache = CalendarCache()
    window = (date(2026, 1, 1), date(2026, 12, 31))
    held = WorkingCalendar(frozenset({date(2026, 1, 1)}))
    cache.put(tree, 1, *window, held)
    assert cache.get(tree, 1, *window) is held
    assert cache.get(tree, 2, *window) is None  # another province
    assert cache.get(tree, 1, date(2026, 1, 2), window[1]) is None  # another window
    assert cache.get(newer, 1, *window) is None  # a newer registry version
    cache.put(newer, 1, *window, WorkingCalendar())
    assert cache.get(tree, 1, *window) is None  # the old tree's calendars are gone


def test_from_days_is_from_entries() -> None:
    pairs = [(date(2026, 10, 1), "holiday"), (date(2026, 10, 10), "workday")]
    entries = [CalendarEntry(d, k, "x") for d, k in pairs]
    assert WorkingCalendar.from_days(pairs) == WorkingCalendar.from_entries(entries)
