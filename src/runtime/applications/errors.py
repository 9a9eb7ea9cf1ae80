"""The applications room's errors: one class per kind of failure."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, InvalidInput


class RouteMissing(Conflict):
    """The service item names no approval route: no case can be opened for it."""


class DraftTooLarge(InvalidInput):
    """A draft holding more than a form ever would."""


class CaseNotEnded(Conflict):
    """好差评 before the case has ended."""


class RatedTwice(Conflict):
    """A second 好差评 of the same case."""
