"""One error class per kind of webhook failure; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, InvalidInput, NotFound


class WebhookInputInvalid(InvalidInput):
    """A subscriber's URL or event kinds that break a rule (the pointer names which)."""


class WebhookNotFound(NotFound):
    """A subscriber the tenant does not hold."""


class WebhookDisabled(Conflict):
    """A disabled subscriber: its secret is not rotated (it sends nothing any more)."""
