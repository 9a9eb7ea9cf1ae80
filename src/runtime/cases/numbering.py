"""Case numbers: the implementing code, the day, a serial (gapless per tenant and day).

`<implementing code>-<YYYYMMDD>-<serial, 6 digits>`; the serial comes from a
counter row per tenant and day incremented in the submitting transaction, by the
statement that stores the case (so the row is locked from there to commit).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from yiwang.platform.errors import InvalidInput

_CODE: Final = re.compile(r"^[0-9A-Z]{1,32}$")


def case_number(implementing_code: str, day: date, serial: int) -> str:
    return f"{number_prefix(implementing_code, day)}{serial:06d}"


def number_prefix(implementing_code: str, day: date) -> str:
    """The number up to its serial, which the database appends (`CaseRepository.open_case`
    formats it as `case_number` does)."""
    if not _CODE.fullmatch(implementing_code):
        raise InvalidInput(
            "cases.implementing_code_invalid",
            pointer="/implementing_code",
            code=implementing_code[:40],
        )
    return f"{implementing_code}-{day:%Y%m%d}-"
