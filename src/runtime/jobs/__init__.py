"""Background jobs: the SAQ queue (through litestar-saq), the worker, the job
definitions, and their progress as a browser follows it.

A definition calls a room's service in units of work acting as
`system:<job>`; the room asks for background work through a protocol of its
own (e.g. `attachments.service.VerificationQueue`) that this room implements,
so rooms never import the jobs room and the jobs room imports them.

Imports the other runtime rooms, `yiwang.policy`, `yiwang.tenants` and
`yiwang.platform`; only `app` and `cli` import it.
"""

from yiwang.runtime.jobs import messages as _messages  # noqa: F401  (registers the catalogue)
