"""Cell values, formula escaping and column letters, shared by export and import.

Formula escaping follows OWASP's rule for CSV injection: a text cell whose
first character is `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading `'`, so a spreadsheet shows it as text instead of evaluating it (a
cell `=HYPERLINK(...)` or `=cmd|...` in a government list would otherwise run
on the clerk's machine). We add a line feed and the full-width ＝＋－＠, which a
Chinese input method types as easily and which some tools fold to ASCII.

The escape is reversible: a text that already starts with `'` gets one more,
and the import removes exactly one `'` when what follows would have been
escaped. So export then import gives back the text that was exported.
Numbers, dates and booleans are written as typed cells, never as text, and
cannot carry a formula.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Final, TypeAlias

#: what an export accepts in a cell
Cell: TypeAlias = str | int | float | Decimal | bool | date | datetime | None
#: what an import yields for a cell (calamine's types; integral numbers as int)
Value: TypeAlias = str | int | float | bool | date | datetime | time | timedelta

OWASP_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
EXTRA_PREFIXES: Final = ("\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
DANGEROUS: Final = frozenset(OWASP_PREFIXES + EXTRA_PREFIXES)
QUOTE: Final = "'"

TRUE_TEXT: Final = "是"
FALSE_TEXT: Final = "否"


def escape_formula(text: str) -> str:
    """The text as a cell may safely hold it (see the module docstring)."""
    if text and (text[0] in DANGEROUS or text[0] == QUOTE):
        return QUOTE + text
    return text


def unescape_formula(text: str) -> str:
    """Undo `escape_formula`: drop one leading `'` that protects a dangerous start."""
    if len(text) >= 2 and text[0] == QUOTE and (text[1] in DANGEROUS or text[1] == QUOTE):
        return text[1:]
    return text


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
