"""One error class per kind of list failure; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, Gone, InvalidInput, NotFound, ServiceUnavailable


class ListQueryInvalid(InvalidInput):
    """A filter, sort, cursor or page size the view does not allow (every problem listed)."""


class ViewUnknown(NotFound):
    """The item type has no list view of that name."""


class SearchQueryInvalid(InvalidInput):
    """A search text the index cannot serve: too long, or too many terms."""


class ViewNotPublic(NotFound):
    """Asked for without sign-in: the view is not a published public list."""


class ExportFormatInvalid(InvalidInput):
    """An export asked for in a format other than xlsx or csv."""


class ExportNotFound(NotFound):
    """No export of this caller by that id (another's, expired, or never made)."""


class ExportNotReady(Conflict):
    """The export is still running, or it failed: there is no file to download."""


class ExportExpired(Gone):
    """The export was made, and its file deleted once it passed its retention."""


class ListTimedOut(ServiceUnavailable):
    """A statement of a bounded read (an export's step) passed its time limit."""


class ExportTooLarge(InvalidInput):
    """A public export of more rows than anyone may download without signing in."""
