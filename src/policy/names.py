"""Names a policy change is given: role, object and action keys and the login of the
account it is about.

They come from request bodies, query strings and the command line, and end up in
a catalogue lookup, a query, an audit record and an error message that echoes
them. A bidirectional override or a zero-width character would make that
message or record show another name than the one sent, and a NUL byte fails in
PostgreSQL; so they are held to the kernel's rule for names
(`platform.text.NAME_UNSAFE`) first, and refused without being echoed.
"""

from __future__ import annotations

from yiwang.platform.errors import InvalidInput
from yiwang.platform.text import codepoint, first_unsafe


def check_name(value: str, pointer: str) -> str:
    """`value` if it holds no character the kernel refuses in names, else a 422
    `policy.name_unsafe` at `pointer` naming the character by its code point."""
    at = first_unsafe(value)
    if at is not None:
        raise InvalidInput("policy.name_unsafe", pointer=pointer, char=codepoint(value[at]))
    return value
