"""The failures of list views."""

from __future__ import annotations

from yiwang.platform.errors import InvalidInput


class SearchQueryInvalid(InvalidInput):
    """A search text the index cannot serve: too long, or too many terms."""
