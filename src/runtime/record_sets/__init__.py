"""Versions of record sets: a tenant's records of one published item type, as one
counter that every write of such a record adds one to, in the writing transaction.

What the public pages and lists cache (a guide, a list page, a search) is keyed by
the versions of the sets it read, so a record edit shows at once: the writer's
worker takes the new version after commit, the other workers hear it on a Redis
channel, and a worker that missed the message reads the counters from PostgreSQL
at most a second later (as the effective models do). The counters are tenant-owned
and behind RLS like the records: a writer counts in its acting tenant, a reader
reads the counters of the tenants its scope sees.

May import `yiwang.platform` only; `records` writes the counters, `lists` and
`portal` read them.
"""
