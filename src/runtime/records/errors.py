"""One error class per kind of record failure; codes live in `messages`."""

from __future__ import annotations

from typing import ClassVar

from yiwang.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied, YiwangError


class RecordNotFound(NotFound):
    """No such record in the caller's tenant, type and department (or it is not theirs)."""


class TypeUnknown(NotFound):
    """The item type is not in the tenant's effective model, or is not a standalone record."""


class BodyInvalid(InvalidInput):
    """The request body has the wrong shape before any field is checked."""


class PlatformFieldRefused(InvalidInput):
    """The client sent a value for a field the platform fills itself."""


class StaleVersion(Conflict):
    """The write names a version older than the record's: someone changed it meanwhile."""


class VersionRequired(YiwangError):
    """A change without `If-Match`: the platform cannot know what the client saw."""

    status: ClassVar[int] = 428


class IdempotencyKeyRequired(YiwangError):
    """A create without an `Idempotency-Key`: a retry could make a second record."""

    status: ClassVar[int] = 428


class IdempotencyMismatch(InvalidInput):
    """The key was used before with a different body."""


class OtherDepartment(PermissionDenied):
    """Department-only staff writing a record of another department."""


class RuleBroken(Conflict):
    """An aggregate or unique rule of the item type would be broken by this change."""


class RecordDeleted(Conflict):
    """The record is soft-deleted: it can be read and restored, not changed."""


class ServiceUnknown(NotFound):
    """The service item a citizen applies for does not exist in the tenant."""


class ServiceClosed(Conflict):
    """The service item exists but cannot take this application (offline, incomplete)."""


class SamplesInvalid(InvalidInput):
    """A bundled sample record does not validate against the tenant's model."""


class PersonalDataForbidden(PermissionDenied):
    """Personal data in full asked for by someone without the `record_pii` permission."""


class AttachmentUnchecked(InvalidInput):
    """A record names an attachment where no attachments service can check it."""
