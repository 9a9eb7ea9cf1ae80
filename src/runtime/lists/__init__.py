"""List views from the metadata compiled to SQL through a whitelist: typed comparisons
on JSONB, filters, sorting, keyset pagination with opaque cursors, and the expression
indexes the views want, built concurrently by the database owner.

Chinese full-text search plugs in through `compile.SearchClause` (the `search`
module of this room provides it). Imports `yiwang.runtime.records`,
`yiwang.metadata`, `yiwang.policy`, `yiwang.tenants` and `yiwang.platform`.
"""

from yiwang.runtime.lists import messages as _messages  # noqa: F401  (registers the catalogue)
