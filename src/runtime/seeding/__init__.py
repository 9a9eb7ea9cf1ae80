"""Generated data for benchmarks and demonstrations (`yiwang bench seed`): realistic,
valid records of every item type across the tenant tree, written in bulk.

Imports `yiwang.runtime.records`, `yiwang.runtime.certificates` (licence
identifiers), `yiwang.metadata`, `yiwang.policy`, `yiwang.tenants` and
`yiwang.platform`; only the command line imports it.
"""

from yiwang.runtime.seeding import messages as _messages  # noqa: F401  (registers this room's messages)
