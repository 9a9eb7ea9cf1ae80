"""List views of records: compilation to SQL through the metadata's whitelist (typed
comparisons on JSONB, filters, sorting, keyset pagination with opaque cursors), the
expression indexes the views want, built concurrently by the database owner, and
Chinese full-text search (`search`: bigram tsvector over a normalised text).

Imports `yiwang.runtime.records`, `yiwang.metadata`, `yiwang.policy`,
`yiwang.tenants` and `yiwang.platform`; the rest of the runtime may import it.
"""

from yiwang.runtime.lists import messages as _messages  # noqa: F401  (registers this room's messages)
