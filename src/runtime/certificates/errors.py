"""One error class per kind of certificate failure; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, InvalidInput, ServiceUnavailable


class IdentifierInvalid(InvalidInput):
    """A licence identifier (证照标识) or one of its segments breaks GB/T 36904."""


class CertificateInvalid(InvalidInput):
    """A certificate document, template or revocation is malformed or inconsistent."""


class GlyphMissing(InvalidInput):
    """The configured font cannot draw a character the certificate needs."""


class AlreadyRevoked(Conflict):
    """A certificate that is already cancelled (注销) cannot be revoked again."""


class CertificateSettingsInvalid(InvalidInput):
    """The signing key, key set, font or verification address is missing or unusable."""


class FontUnavailable(ServiceUnavailable):
    """No CJK font with TrueType outlines was found, so nothing can be rendered."""
