"""What an export request hands to its job, what the job leaves, and the desk between
the route and the job queue."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SupervisionExportAsked:
    """A checked export, as the job gets it (JSON-safe): the query's parameters and the
    scope the guard computed for the caller at `/subtree/` (acting tenant first)."""

    tenant_id: int
    visible: tuple[int, ...]
    params: dict[str, list[str]]
    format: str

    @classmethod
    def of(
        cls, scope: TenantScope, params: dict[str, list[str]], fmt: str
    ) -> SupervisionExportAsked:
        return cls(scope.acting_tenant_id, tuple(scope.visible_tenant_ids), params, fmt)

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "tenant_id": int(self.tenant_id),
            "visible": [int(i) for i in self.visible],
            "params": self.params,
            "format": self.format,
        }


@dataclass(frozen=True)
class SupervisionExportFile:
    """A finished export, as its job's result names it."""

    tenant_id: int
    key: str
    name: str
    content_type: str
    rows: int


class ExportDesk(ABC):
    """What the export routes need from the room that runs jobs (`jobs.adapters`); an
    abstract class rather than a protocol, because Litestar injects by type."""

    @abstractmethod
    def export_later(
        self,
        uow: UnitOfWork,
        export_id: str,
        asked: SupervisionExportAsked,
        *,
        requested_by: int | None,
    ) -> str:
        """Run the export once `uow` has committed; returns the job's id."""

    @abstractmethod
    async def finished(self, export_id: str, *, requested_by: int | None) -> SupervisionExportFile:
        """The file of a finished export of this person: `SupervisionExportNotFound` for
        none (or another's), `SupervisionExportNotReady` while it runs or after it failed,
        `SupervisionExportExpired` once the retention sweep has deleted its file."""

    @abstractmethod
    def link(self, file: SupervisionExportFile) -> str:
        """A short-lived download link answering `Content-Disposition: attachment`."""
