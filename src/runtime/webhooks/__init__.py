"""Signed webhooks: the exchange of a tenant's case events with prefecture systems.

Holds the subscribers of a tenant (a URL, the event kinds it wants, a secret
we generate and sign with), one delivery state per subscriber and
`case_outbox` row (filled by a trigger in the transaction that wrote the row),
and the delivery job's pass: a JSON POST signed with HMAC-SHA256, at least
once, backing off like the outbox. Imports `yiwang.runtime.outbox` (its
back-off), `yiwang.runtime.cases` (the outbox table), `yiwang.runtime.routes`
(the event kinds), `yiwang.policy` (the guard's access and the field cipher),
`yiwang.tenants` and `yiwang.platform`; the jobs room runs the pass.
"""

from yiwang.runtime.webhooks import messages as _messages  # noqa: F401  (registers messages)
