"""The platform's legal time: every date a person reads or a rule counts is a day in China.

China keeps one time zone, UTC+8 all year (no daylight saving since 1991), so a fixed
offset names it exactly and needs no time-zone database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Final

CHINA_TIME: Final = timezone(timedelta(hours=8), "CST")


def today_in_china(now: datetime | None = None) -> date:
    """The date in China at `now` (aware), or at this moment."""
    return (now or datetime.now(CHINA_TIME)).astimezone(CHINA_TIME).date()
