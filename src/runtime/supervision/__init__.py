"""E-supervision (效能电子监察): the queries that cross tenants, the supervision
metrics, and 督办 orders with their escalation.

Every query here runs in the row-level-security scope the guard decided for a
`/subtree/` route: a supervisor's subtree, never around it. The one place a
query crosses tenants is the `cross_tenant` package, and its names say so.

Holds its own tables (migration `0013_supervision`): the facts the metrics
need that cases do not hold (power type, online, visits), evaluations (好差评),
complaints and orders. Its exports (`exports/`) run as a job of the jobs room,
which implements `exports.ExportDesk`; this room never imports it. Imports
`yiwang.runtime.cases` (its tables, read only), `yiwang.runtime.spreadsheets`,
`yiwang.policy`, `yiwang.tenants` and `yiwang.platform`.
"""

from yiwang.runtime.supervision import messages as _messages  # noqa: F401  (registers messages)
