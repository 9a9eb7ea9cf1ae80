"""Cases (办件): the storage and HTTP around the pure route engine.

Holds the case tables (cases, timeline, outbox, open tasks, day counters,
issued certificates), the service that opens a case from an application and
applies the engine's transitions with their timeline, outbox and audit rows in
one unit of work, working-day deadlines and their sweep, notification
gateways, the staff inbox, e-licence issue on completion and the public BPMN
export. Imports `yiwang.runtime.routes`, `yiwang.runtime.certificates`,
`yiwang.runtime.records.attached` (the files a case's data and actions name, checked
through the port `attached.AttachmentKeys` the app wires), `yiwang.metadata`,
`yiwang.policy`, `yiwang.tenants` and `yiwang.platform`.
"""

from yiwang.runtime.cases import messages as _messages  # noqa: F401  (registers this room's messages)
