"""The answers the service gives at the edge: a check, a publish or rollback, a
version's summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.metadata.resolution.impact import ImpactPreview
from yiwang.metadata.versions.models import MetadataVersion
from yiwang.platform.errors import ErrorDetail, render_details


def checked(errors: list[ErrorDetail]) -> dict[str, Any]:
    """The answer of a check: valid, and every problem when not."""
    return {"valid": not errors, "errors": render_details(errors)}


@dataclass(frozen=True)
class PublishResult:
    """What a publish or rollback did."""

    tenant: str
    action: str
    kind: str
    number: int
    version_id: int
    content_hash: str
    generation: int
    preview: ImpactPreview

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "action": self.action,
            "kind": self.kind,
            "number": self.number,
            "version_id": self.version_id,
            "content_hash": self.content_hash,
            "generation": self.generation,
            "preview": self.preview.as_dict(),
        }


def version_summary(version: MetadataVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "id": version.id,
        "kind": version.kind,
        "status": version.status,
        "content_hash": version.content_hash,
        "previous_id": version.previous_id,
        "based_on": version.based_on,
        "note": version.note,
        "published_by": version.published_by,
        "published_at": version.published_at.isoformat() if version.published_at else None,
    }
