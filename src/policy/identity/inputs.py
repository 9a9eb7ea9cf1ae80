"""Untrusted text, checked before it reaches a query, a hash or an audit record.

A login, a name or a reason typed by anyone may carry a NUL byte (which
PostgreSQL's text type refuses with an error), other control characters or
bidirectional overrides that make an audit trail lie about what it shows.
Identity refuses them in what it stores and keeps them visible, escaped, in
what it records about a refusal.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, zero-width characters, bidi embeddings, overrides and isolates, BOM
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")

#: longest login accepted at sign-in (any kind's real login is far shorter)
MAX_LOGIN_LENGTH = 128


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def printable(value: str, limit: int = 64) -> str:
    """`value` cut to `limit` characters with every control character as `\\uXXXX`:
    safe to store in an audit record, and showing what was sent."""
    cut = value[:limit]
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", cut)


def malformed_login(login: str) -> bool:
    """A login no account can have: empty, overlong, or with control characters."""
    stripped = login.strip()
    return not stripped or len(login) > MAX_LOGIN_LENGTH or has_control(login)
