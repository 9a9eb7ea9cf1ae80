"""Untrusted text, checked before it reaches a query, a hash or an audit record.

A login, a name or a reason typed by anyone may carry a NUL byte (which
PostgreSQL's text type refuses with an error), other control characters or
bidirectional overrides that make an audit trail lie about what it shows.
Identity refuses them in what it stores (the kernel's rule for names and codes,
`platform.text.NAME_UNSAFE`) and keeps them visible, escaped, in what it
records about a refusal. The request edge refuses NUL in JSON bodies too; these
checks hold for every other door (the command line, tests, a future one).
"""

from __future__ import annotations

from yiwang.platform.text import NAME_UNSAFE

#: longest login accepted at sign-in (any kind's real login is far shorter)
MAX_LOGIN_LENGTH = 128


def has_control(value: str) -> bool:
    return NAME_UNSAFE.search(value) is not None


def printable(value: str, limit: int = 64) -> str:
    """`value` cut to `limit` characters with every control character as `\\uXXXX`:
    safe to store in an audit record, and showing what was sent."""
    cut = value[:limit]
    return NAME_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", cut)


def malformed_login(login: str) -> bool:
    """A login no account can have: empty, overlong, or with control characters."""
    stripped = login.strip()
    return not stripped or len(login) > MAX_LOGIN_LENGTH or has_control(login)
