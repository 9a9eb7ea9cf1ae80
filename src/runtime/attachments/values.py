"""What a record's attachment field holds: the metadata's closed value shape, as the
server measured a verified attachment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.runtime.attachments.models import Attachment


@dataclass(frozen=True)
class AttachmentValue:
    """What a record's attachment field holds: the metadata's closed value shape."""

    key: str
    name: str
    size: int
    content_type: str
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
        }


def value_of(attachment: Attachment) -> AttachmentValue | None:
    """The record value of a verified attachment (None before it is verified)."""
    if attachment.status != "verified":
        return None
    assert attachment.size is not None and attachment.sha256 is not None
    return AttachmentValue(
        attachment.key,
        attachment.name,
        attachment.size,
        attachment.content_type or attachment.declared_type,
        attachment.sha256,
    )
