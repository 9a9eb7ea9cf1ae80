"""One error class per kind of attachment failure; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)


class UploadRefused(InvalidInput):
    """The upload request breaks the field's limits or names a file badly (422)."""


class ReferenceInvalid(InvalidInput):
    """A record names an attachment it may not use (unknown, unverified, another's)."""


class AttachmentNotFound(NotFound):
    """No such attachment in the caller's tenant, or not the caller's to see."""


class AttachmentState(Conflict):
    """The attachment is not in the state the request needs (not yet uploaded, not verified)."""


class TokenInvalid(PermissionDenied):
    """An upload or download link whose signature, purpose or expiry does not hold."""


class ScannerUnavailable(ServiceUnavailable):
    """The virus scanner cannot be reached; the attachment stays pending and is retried."""


class AttachmentSettingsInvalid(InvalidInput):
    """The attachment settings are missing or unusable (the application refuses to start)."""
