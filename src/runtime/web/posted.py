"""Reading a posted HTML form: one text field, bounded, whatever shape the parser gave it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

#: what a posted field may hold before the service sees it (it bounds and audits the rest)
FIELD_MAX: Final = 1024


def posted(form: Mapping[str, Any], name: str, limit: int = FIELD_MAX) -> str:
    """One text field of a posted form, cut to `limit`; anything else is blank."""
    value = form.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return value[:limit] if isinstance(value, str) else ""
