"""One error class per kind of 经办人 failure; codes live in `identity.messages`."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, NotFound


class NotEnterprise(Conflict):
    """Naming or revoking agents from any session but the enterprise's own."""


class NotCitizen(Conflict):
    """Acting for an enterprise from any session but a citizen's own."""


class PersonUnknown(NotFound):
    """No citizen account has the mobile number the enterprise named."""


class PersonUnverified(Conflict):
    """The citizen named has not passed the real-name check."""


class NotNamed(NotFound):
    """Acting for an enterprise that did not name the caller (or is disabled)."""


class AgentUnknown(NotFound):
    """Revoking someone who is not an agent of the enterprise."""
