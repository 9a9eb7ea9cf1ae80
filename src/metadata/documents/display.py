"""Values as a Chinese reader expects them: 是/否, 元 with two decimals, 2026年12月1日.

Money is stored as an integer number of 分 and shown, typed and named in 元;
`fen_from_yuan` is the one conversion from what a person types, exact
(decimal arithmetic, never binary floating point).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

_YUAN: Final = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")
_DATE: Final = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def yuan(fen: int) -> str:
    """1234567 分 -> "12345.67" (no separators: it is also what an input box holds)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def fen_from_yuan(text: str) -> int | None:
    """ "12345.67" -> 1234567; None unless it is a number of 元 with at most two decimals."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not _YUAN.match(cleaned):
        return None
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None


def chinese_date(iso: str) -> str:
    """ "2026-12-01" -> "2026年12月1日"; anything else unchanged."""
    found = _DATE.match(iso)
    if not found:
        return iso
    year, month, day = found.groups()
    return f"{int(year)}年{int(month)}月{int(day)}日"


def display_value(
    field: Mapping[str, Any] | None, value: Any, code_labels: Mapping[str, str] | None = None
) -> str:
    """One value of one field, as a sentence would name it."""
    kind = field["type"] if field else None
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == "money" and isinstance(value, int):
        return f"{yuan(value)} 元"
    if kind == "date" and isinstance(value, str):
        return chinese_date(value)
    if kind in ("code", "multi_code") and code_labels is not None:
        if isinstance(value, list):
            return "、".join(code_labels.get(str(v), str(v)) for v in value)
        return code_labels.get(str(value), str(value))
    if value is None:
        return "空"
    if isinstance(value, list):
        return "、".join(display_value(None, v) for v in value)
    return str(value)
