"""Records of any item type: one table, validated against the tenant's effective model,
with history, optimistic concurrency, idempotent creates, platform-filled fields,
sealed and masked personal data, aggregate rules enforced under advisory locks,
the bundled sample content and the impact counter for metadata publishes.

Imports `yiwang.metadata`, `yiwang.policy` (the field cipher, the guard's access),
`yiwang.tenants`, `yiwang.platform` and `yiwang.runtime.record_sets` (a write of a
published type moves its set's version); `yiwang.runtime.lists` builds on it.
"""

from yiwang.runtime.records import messages as _messages  # noqa: F401  (registers the catalogue)
