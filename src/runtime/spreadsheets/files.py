"""The files exports write: their formats, and where they are kept in object storage.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


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
