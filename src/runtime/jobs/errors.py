"""One error class per kind of job failure; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable, YiwangError


class JobNotFound(NotFound):
    """No such job, or it is not the caller's (the same answer for both)."""


class QueueUnavailable(ServiceUnavailable):
    """Redis, which holds the queue, cannot be reached."""


class JobSettingsInvalid(InvalidInput):
    """The job settings are unusable (the application refuses to start)."""


class JobFailed(YiwangError):
    """A job run from the command line ended in failure (its error is in the log)."""

    status = 500
