"""One-time activation codes: made, shown once, stored only as a hash.

A code is random text in an alphabet without look-alikes (no I, O, 0, 1),
grouped by four for reading aloud. The code for a new account has 20
characters (100 bits). A reset's code has two halves of 12 (60 bits each):
the administrator who requests the reset receives the first, the one who
approves it the second, and only the person, holding both, can activate.
Nothing reversible is stored: a new account's row keeps SHA-256 of its code;
a reset's keeps SHA-256 of the first half until it is approved, then a hash
over that digest and the second half, so the database never holds a half in
the clear either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CREATE_LENGTH = 20
HALF_LENGTH = 12
_GROUP = 4


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(code: str) -> str:
    """Upper case, without the spaces and dashes people type between groups."""
    return "".join(c for c in code.upper() if c not in " -\t")


def grouped(code: str) -> str:
    """`ABCDEFGH...` -> `ABCD-EFGH-...`, the form shown to people."""
    return "-".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_hash(code: str) -> str:
    return _sha("create\x00" + normalise(code))


def half_hash(first_half: str) -> str:
    return _sha("reset-half\x00" + normalise(first_half))


def reset_hash(first_half_digest: str, second_half: str) -> str:
    """What a reset's row keeps once approved: bound to the first half through its digest."""
    return _sha("reset\x00" + first_half_digest + "\x00" + normalise(second_half))


def matches(purpose: str, stored: str, code: str) -> bool:
    """Whether `code` (as typed, both halves for a reset) is the one `stored` was made from."""
    given = normalise(code)
    if purpose == "create":
        expected = create_hash(given) if len(given) == CREATE_LENGTH else ""
    elif len(given) == 2 * HALF_LENGTH:
        expected = reset_hash(half_hash(given[:HALF_LENGTH]), given[HALF_LENGTH:])
    else:
        expected = ""
    return bool(expected) and hmac.compare_digest(expected, stored)
