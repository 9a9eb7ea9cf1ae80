"""The metadata model: every kind of government item as configuration.

Rooms, lowest first: `documents` (what a document is), `overlays` (regional
extension), `resolution` (effective models), `generators` (schemas, UI and
validation built from them), `versions` (storage, caching, publishing);
`controllers` and `commands` at the top are its API and command line.
Imports `yiwang.policy`, `yiwang.tenants` and `yiwang.platform`; never the runtime.
"""

from yiwang.metadata import messages as _messages  # noqa: F401  (registers this context's messages)
