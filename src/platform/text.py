"""What text the platform accepts, and how text leaves it for spreadsheets.

Two rules, one per kind of text:

- **names and codes** (tenant and department names, division codes, role and
  field keys, code values): no control character of any kind. C0, DEL and C1
  controls break storage and logs; the Unicode bidirectional controls
  (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) make a name display
  as something else than it is ("Trojan Source"); zero-width characters
  (U+200B-U+200D, U+2060, U+FEFF) make two names that look the same differ. A
  Chinese place or department name has no use for any of them.
- **free text** (JSON bodies, labels, descriptions, answers on a form): no C0
  control except tab, line feed and carriage return. NUL cannot be stored by
  PostgreSQL at all, and the other C0 controls have no place in text a person
  typed. Bidi marks stay allowed here: right-to-left scripts need them.

Neither admits a lone surrogate (`"\ud800"` in JSON): it cannot be encoded to
UTF-8, so it would fail wherever the text goes next.

`escape_formula` follows OWASP's CSV-injection rules for every cell a CSV or
XLSX export writes.
"""

from __future__ import annotations

import re
from typing import Final

#: characters refused in names and codes
NAME_UNSAFE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls and marks
    "\u200b-\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff]"  # lone surrogates (only a JSON escape can make one; UTF-8 cannot hold it)
)

#: characters refused in free text: C0 controls other than tab, LF and CR, lone surrogates
TEXT_UNSAFE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

#: a cell starting with one of these is read as a formula by Excel, LibreOffice or
#: Google Sheets (OWASP: = + - @ tab CR); a line feed and the full-width ＝＋－＠ are
#: included, which Chinese input methods type as easily and some tools fold to ASCII
FORMULA_TRIGGERS: Final = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
#: the prefix that makes a spreadsheet show a cell as text
TEXT_QUOTE: Final = "'"


def first_unsafe(value: str, unsafe: re.Pattern[str] = NAME_UNSAFE) -> int | None:
    """The index of the first character `unsafe` refuses in `value`, or None."""
    match = unsafe.search(value)
    return match.start() if match else None


def codepoint(char: str) -> str:
    """`U+202E`: how a refused character is named in a message (it cannot be shown)."""
    return f"U+{ord(char):04X}"


def is_safe_name(value: str) -> bool:
    return first_unsafe(value, NAME_UNSAFE) is None


def is_safe_text(value: str) -> bool:
    return first_unsafe(value, TEXT_UNSAFE) is None


def escape_formula(value: str) -> str:
    """A spreadsheet cell that shows `value` as text and never runs it.

    OWASP (CSV Injection): a cell beginning with `=`, `+`, `-`, `@`, tab or
    carriage return is prefixed with a single quote, which spreadsheet programs
    take as "this is text" and do not display. Apply it to every string cell of
    a CSV or XLSX export (numbers are written as numbers and need nothing);
    CSV quoting of separators and quotes remains the CSV writer's job.

    The escape is reversible: a text that already starts with `'` gets one more,
    so `unescape_formula` gives back exactly what was exported.
    """
    if value and (value[0] in FORMULA_TRIGGERS or value[0] == TEXT_QUOTE):
        return TEXT_QUOTE + value
    return value


def unescape_formula(value: str) -> str:
    """Undo `escape_formula` on an imported cell: drop one protecting `'`."""
    if (
        len(value) >= 2
        and value[0] == TEXT_QUOTE
        and (value[1] in FORMULA_TRIGGERS or value[1] == TEXT_QUOTE)
    ):
        return value[1:]
    return value
