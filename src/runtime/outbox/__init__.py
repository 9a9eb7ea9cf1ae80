"""The case outbox's delivery: what the cases room wrote in its transactions goes out.

Holds the delivery of undelivered `case_outbox` rows to the applicant through
the SMS and email gateways (at least once, marked `delivered_at`, backing off
on gateway failure), the pure choice and wording of each notice, and the SQL
over the outbox it needs. Imports `yiwang.runtime.cases` (its tables and
gateway protocol), `yiwang.tenants` and `yiwang.platform`; the jobs room runs it.
"""

from yiwang.runtime.outbox import messages as _messages  # noqa: F401  (registers this room's messages)
