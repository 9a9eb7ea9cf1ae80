"""Periods of the supervision figures, pure: a year, a quarter, a month or a day range,
as half-open intervals of China's dates (every tenant is in Gansu: UTC+8, no DST).

    2026            the year
    2026-Q3         a quarter
    2026-07         a month
    2026-07-01..2026-07-31   a day range, both ends included

Anything else is refused at its pointer, and so is a range that ends before it
starts or spans more than `MAX_DAYS`: those are mistakes, not questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.errors import ErrorDetail

MAX_DAYS: Final = 3 * 366

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """China's dates `start` (included) to `end` (excluded)."""

    label: str
    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), CHINA_TIME).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time(), CHINA_TIME).astimezone(UTC)

    def as_dict(self) -> dict[str, str]:
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": (self.end - timedelta(days=1)).isoformat(),
        }


class PeriodError(ValueError):
    def __init__(self, detail: ErrorDetail) -> None:
        super().__init__(detail.code)
        self.detail = detail


def _month_end(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(raw: str, pointer: str = "/period") -> Period:
    """The period `raw` names; `PeriodError` (with its pointer) when it names none."""
    value = raw.strip()
    bad = PeriodError(
        ErrorDetail("supervision.period_invalid", params={"value": value[:40]}, pointer=pointer)
    )
    try:
        if m := _YEAR.match(value):
            year = int(m.group(1))
            return _checked(Period(value, date(year, 1, 1), date(year + 1, 1, 1)), pointer)
        if m := _QUARTER.match(value):
            year, quarter = int(m.group(1)), int(m.group(2))
            first = 3 * (quarter - 1) + 1
            end = _month_end(year, first + 2)
            return _checked(Period(value, date(year, first, 1), end), pointer)
        if m := _MONTH.match(value):
            year, month = int(m.group(1)), int(m.group(2))
            return _checked(Period(value, date(year, month, 1), _month_end(year, month)), pointer)
        if m := _RANGE.match(value):
            start, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            if last < start:
                raise PeriodError(
                    ErrorDetail(
                        "supervision.period_reversed",
                        params={"start": start.isoformat(), "end": last.isoformat()},
                        pointer=pointer,
                    )
                )
            return _checked(Period(value, start, last + timedelta(days=1)), pointer)
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise bad from None
    raise bad


def _checked(period: Period, pointer: str) -> Period:
    if period.start.year < 2000:
        raise PeriodError(
            ErrorDetail(
                "supervision.period_invalid", params={"value": period.label}, pointer=pointer
            )
        )
    days = (period.end - period.start).days
    if days > MAX_DAYS:
        raise PeriodError(
            ErrorDetail(
                "supervision.period_too_long",
                params={"max": MAX_DAYS, "days": days},
                pointer=pointer,
            )
        )
    return period
