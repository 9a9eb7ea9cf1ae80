"""The files exports write: their formats, where they are kept in object storage, and
the desk between an export's routes and the jobs that write them.

Both exports, a list view's (`lists.export`) and the supervisors' cross-tenant one
(`supervision.exports`), write one of the same two formats and keep the file under
the tenant's own folder of exports, named by the server only:

    t/<tenant id>/exports/<export id>.xlsx|csv               a list view's export
    t/<tenant id>/exports/supervision-<export id>.xlsx|csv   a cross-tenant export

Nothing else is kept there. The retention sweep (`exports.sweep`, in the jobs room)
lists only these folders and deletes only names of this form (`is_export_key`), so
it never meets an attachment (`t/<id>/attachments/…`), an upload in progress
(`t/<id>/incoming/…`), an import (`t/<id>/imports/…`) or a certificate
(`certificates/…`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from yiwang.platform.unit_of_work import UnitOfWork

#: what a request hands its export's job (a room's checked request, JSON-safe)
Asked = TypeVar("Asked")
#: what a finished export's job leaves (a room's description of the file)
Delivered = TypeVar("Delivered")


@dataclass(frozen=True)
class ExportFormat:
    #: `format=` in the request, and the file's extension
    key: str
    content_type: str


#: the formats an export writes, by `format=`
FORMATS: Final[Mapping[str, ExportFormat]] = {
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "csv": ExportFormat("csv", "text/csv; charset=utf-8"),
}

#: what an export's file is called inside its tenant's folder: an optional kind, the id
_NAME: Final = re.compile(r"^(?:[a-z]+-)?[0-9a-f]{32}\.(?:xlsx|csv)$")
_ID: Final = re.compile(r"^[0-9a-f]{32}$")
_KIND: Final = re.compile(r"^(?:[a-z]+-)?$")


def exports_folder(tenant_id: int) -> str:
    """The folder of a tenant's export files (ends with `/`)."""
    return f"t/{int(tenant_id)}/exports/"


def export_key(tenant_id: int, export_id: str, fmt: ExportFormat, *, kind: str = "") -> str:
    """Where an export's file is stored: under the tenant's folder, named by the server
    only (`kind` is a prefix such as `supervision-`, or none)."""
    if not _ID.match(export_id):
        raise ValueError("an export id is 32 lower-case hex digits")
    if not _KIND.match(kind):
        raise ValueError("an export's kind is lower-case letters and a hyphen")
    return f"{exports_folder(tenant_id)}{kind}{export_id}.{fmt.key}"


def is_export_key(key: str, tenant_id: int) -> bool:
    """Whether `key` is an export's file of this tenant, directly in its folder."""
    folder = exports_folder(tenant_id)
    return key.startswith(folder) and bool(_NAME.match(key[len(folder) :]))


class ExportDesk(ABC, Generic[Asked, Delivered]):
    """What an export's routes need from the room that runs jobs (`jobs.adapters`): the
    same three steps for both exports, over each room's own shapes (`lists.export`
    names it `ExportDesk[ExportAsked, ExportFile]`, `supervision.exports`
    `ExportDesk[SupervisionExportAsked, SupervisionExportFile]`). An abstract class
    rather than a protocol, because Litestar injects by type (a parametrised class
    will do; a protocol will not)."""

    @abstractmethod
    def export_later(
        self, uow: UnitOfWork, export_id: str, asked: Asked, *, requested_by: int | None
    ) -> str:
        """Run the export once `uow` has committed; returns the job's id."""

    @abstractmethod
    async def finished(self, export_id: str, *, requested_by: int | None) -> Delivered:
        """The file of a finished export of this person; otherwise the room's own errors:
        not found for none (or another's), not ready while it runs or after it failed,
        expired (410) once the retention sweep has deleted its file."""

    @abstractmethod
    def link(self, file: Delivered) -> str:
        """A short-lived download link answering `Content-Disposition: attachment`."""
