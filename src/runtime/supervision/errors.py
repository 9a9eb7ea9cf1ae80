"""One error class per kind of supervision failure; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, Gone, InvalidInput, NotFound, ServiceUnavailable


class SupervisionQueryInvalid(InvalidInput):
    """A field, filter, grouping, sort, limit or period the query cannot take (all listed)."""


class SupervisionInputInvalid(InvalidInput):
    """An order, response, evaluation or complaint that breaks a rule."""


class SupervisionNotFound(NotFound):
    """A case, order, evaluation or complaint the caller's scope does not hold."""


class SupervisionDone(Conflict):
    """An order answered or escalated, a complaint closed, a review rectified: done once."""


class SupervisionTimedOut(ServiceUnavailable):
    """A query hit its statement timeout: the caller should narrow it."""


class SupervisionExportNotFound(NotFound):
    """An export that is not the caller's (another's, a system job's, none at all)."""


class SupervisionExportNotReady(Conflict):
    """An export still running, or one that failed: no file to download."""


class SupervisionExportExpired(Gone):
    """The caller's export was made, and its file deleted once it passed its retention."""
