"""What an export request hands to its job, what the job leaves, and the desk between
the route and the job queue (the one both exports share, `spreadsheets.files`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from yiwang.platform.tenant_context import TenantScope
from yiwang.runtime.spreadsheets.files import ExportDesk as Desk


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


#: the desk of a cross-tenant export: `SupervisionExportNotFound` for none (or another's),
#: `SupervisionExportNotReady` while it runs or after it failed, `SupervisionExportExpired`
#: once swept
ExportDesk: TypeAlias = Desk[SupervisionExportAsked, SupervisionExportFile]
