"""ISO/IEC 7064 MOD 37,36 (GB/T 17710): the check character of a licence identifier.

A hybrid system with M = 36 and M + 1 = 37 over the 36 characters 0-9 (values
0-9) and A-Z (values 10-35); the check character is one of the same 36. For
each character a, left to right, starting from P = M:

    S = (P + a) mod M, read as M when it is 0
    P = 2·S mod (M + 1)

and the check character c makes the sum after it congruent to 1:
(P + c) mod M = 1, that is c = (M + 1 − P) mod M. A string that carries its
check character is valid when the last S is 1. The system detects every
single substitution and every transposition of adjacent characters.
"""

from __future__ import annotations

from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUES: Final = {ch: value for value, ch in enumerate(ALPHABET)}
_M: Final = 36


def _step(p: int, ch: str) -> tuple[int, int]:
    """(S, next P) after one character."""
    s = (p + _VALUES[ch]) % _M or _M
    return s, (2 * s) % (_M + 1)


def _require_alphabet(text: str) -> None:
    bad = [ch for ch in text if ch not in _VALUES]
    if bad:
        raise ValueError(f"MOD 37,36 takes 0-9 and A-Z only, not {bad[0]!r}")


def check_character(text: str) -> str:
    """The check character for `text` (digits and upper-case letters, at least one)."""
    if not text:
        raise ValueError("MOD 37,36 needs at least one character")
    _require_alphabet(text)
    p = _M
    for ch in text:
        _, p = _step(p, ch)
    return ALPHABET[(_M + 1 - p) % _M]


def is_valid(text_with_check: str) -> bool:
    """Whether the last character of `text_with_check` is the check character of the rest."""
    if len(text_with_check) < 2 or any(ch not in _VALUES for ch in text_with_check):
        return False
    p, s = _M, 0
    for ch in text_with_check:
        s, p = _step(p, ch)
    return s == 1
