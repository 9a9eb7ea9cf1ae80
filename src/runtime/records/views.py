"""What callers see of records: the viewer's rights, a record's view, a create's answer,
a history entry. Plain values; nothing here reads the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final


@dataclass(frozen=True)
class Viewer:
    """What the caller may see of records: all departments or one, personal data or not."""

    #: department-only access: only records of `department` (none at all when it is None)
    restricted: bool = False
    department: str | None = None
    sees_pii: bool = False

    def admits(self, department: str | None) -> bool:
        return not self.restricted or (department is not None and department == self.department)


#: the platform itself (the case engine, commands, jobs): every department, nothing masked
PLATFORM: Final = Viewer(sees_pii=True)
#: the platform acting for someone who may not see personal data in full
MASKED: Final = Viewer()


@dataclass(frozen=True)
class RecordView:
    """A record as a caller sees it: fields in the document's order, personal data masked
    unless the caller may see it in full."""

    tenant: str
    id: int
    type: str
    status: str
    number: str | None
    department: str | None
    version: int
    effective_id: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    deleted_at: datetime | None
    deleted_by: str | None
    data: dict[str, Any]
    form_key: str | None
    form: dict[str, Any] | None
    #: "none" (the type has no personal data), "masked" or "full"
    personal: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant": self.tenant,
            "type": self.type,
            "number": self.number,
            "status": self.status,
            "department": self.department,
            "version": self.version,
            "effective_id": self.effective_id,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
            "deleted_at": self.deleted_at.isoformat() if self.deleted_at else None,
            "deleted_by": self.deleted_by,
            "data": self.data,
            "form": {"key": self.form_key, "data": self.form} if self.form_key else None,
            "personal": self.personal,
        }


@dataclass(frozen=True)
class Created:
    """The answer to a create: the record, and whether it is a replay of the first answer."""

    body: dict[str, Any]
    status_code: int = 201
    replayed: bool = False

    @property
    def id(self) -> int:
        return int(self.body["id"])

    @property
    def etag(self) -> str:
        return f'"{self.body["version"]}"'


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    version: int
    action: str
    actor: str
    at: datetime
    changes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "action": self.action,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "changes": self.changes,
        }
