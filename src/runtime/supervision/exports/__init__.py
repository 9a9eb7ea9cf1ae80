"""The cross-tenant case export as a background job (issue 14).

The route checks the query at once (a bad one is refused with its pointers, no job),
then hands the export to a job through `ExportDesk` (implemented by the jobs room,
so this room never imports it) with the scope the guard computed for the `/subtree/`
route. The job reads the cases in that scope, a step of `EXPORT_BATCH` rows per
unit of work, writes CSV or XLSX reporting its progress, stores the file under the
caller's tenant's prefix, and only the person who asked downloads it.

| module | holds |
| --- | --- |
| `asked` | `SupervisionExportAsked` (what the job gets), `SupervisionExportFile`, `ExportDesk` |
| `writing` | the columns, `start_export` (checks, asks the desk), `write_export` (the job) |
"""

from yiwang.runtime.supervision.exports.asked import (
    ExportDesk,
    SupervisionExportAsked,
    SupervisionExportFile,
)
from yiwang.runtime.supervision.exports.writing import (
    EXPORT_BATCH,
    EXPORT_COLUMNS,
    FORMATS,
    export_key,
    start_export,
    write_export,
)

__all__ = [
    "EXPORT_BATCH",
    "EXPORT_COLUMNS",
    "FORMATS",
    "ExportDesk",
    "SupervisionExportAsked",
    "SupervisionExportFile",
    "export_key",
    "start_export",
    "write_export",
]
