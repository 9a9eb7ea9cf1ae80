"""List maintenance in the console (`/console/t/{code}/lists/...`): the power,
responsibility, public-service and special-fund lists a department keeps, each drawn from
the tenant's effective model — the staff list view (columns, filters, search, pages), one
record, create and edit through the type's staff form, withdrawal (soft delete) — and
spreadsheet import and export as the records room's jobs, with a progress page that
refreshes itself.

| module | holds |
| --- | --- |
| `maintained` | which item types are maintained here, and their staff view and form (pure) |
| `staff_form` | a staff form's descriptor for the forms room's renderer, its pickers (pure) |
| `page` | the page objects (`TenantPage`, `ListPage`), the room's paths and requirements |
| `reading` | the types, list and record pages (GET) |
| `changes` | the staff form's create and edit, their posts, and withdrawal |
| `sheets` | import (upload, progress, result) and export (start, progress, download) |
| `router` | the pages under one router, with the sign-in redirect |
| `templates/console_lists/` | one template per page, extending `console/base.html` |

Every change goes through the doors the JSON API uses (`RecordService`, `ListService`,
`ImportDesk`, `ExportDesk`, the job queue's status); the guard decides who may come
(`record` read, write, delete), as it does for `/api/v1/t/{code}/records/...`.

May import `yiwang.platform`, `yiwang.tenants`, `yiwang.policy` (the guard's access),
`yiwang.metadata` (form schemas and UI descriptions), and the runtime rooms it draws
with: `console` (the shell, the sign-in redirect, `values`), `forms` (the renderer),
`records`, `lists`, `spreadsheets`, `jobs` (job status), `portal` (filters and value
display). Only `app` imports it.
"""

from yiwang.runtime.console.lists import messages as messages

__all__ = ["messages"]
