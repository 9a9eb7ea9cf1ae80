"""Cell values, formula escaping and column letters, shared by export and import.

Formula escaping is the kernel's (`platform.text.escape_formula`, OWASP's rule
for CSV injection plus a line feed and the full-width ＝＋－＠): a cell
`=HYPERLINK(...)` or `=cmd|...` in a government list would otherwise run on
the clerk's machine. It is reversible, so export then import gives back the
text that was exported.
Numbers, dates and booleans are written as typed cells, never as text, and
cannot carry a formula.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Final, TypeAlias

from yiwang.platform.text import escape_formula, unescape_formula

__all__ = ["Cell", "Value", "column_letter", "escape_formula", "unescape_formula"]

#: what an export accepts in a cell
Cell: TypeAlias = str | int | float | Decimal | bool | date | datetime | None
#: what an import yields for a cell (calamine's types; integral numbers as int)
Value: TypeAlias = str | int | float | bool | date | datetime | time | timedelta

TRUE_TEXT: Final = "是"
FALSE_TEXT: Final = "否"


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 -> A, 25 -> Z, 26 -> AA."""
    if index < 0:
        raise ValueError(index)
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """The inverse of `column_letter`."""
    n = 0
    for ch in letters:
        if not "A" <= ch <= "Z":
            raise ValueError(letters)
        n = n * 26 + (ord(ch) - ord("A") + 1)
    if n == 0:
        raise ValueError(letters)
    return n - 1
