"""The only SQL of records: rows, history, idempotency keys, rule groups, advisory locks.

Every statement runs in the caller's unit of work, so row-level security
admits only the tenants of the scope the guard decided; the tenant id is also
named in every statement, as the application's own first wall.

| module | holds |
| --- | --- |
| `rows` | the columns, `StoredRecord` and the other rows returned, jsonb parameters |
| `base` | `RepositoryBase` (the session) and `visible`, the widened scope of a count |
| `claims` | `IdempotencyClaims`: record ids, claimed keys, kept answers |
| `writes` | `RecordWrites`: insert, bulk insert, replace, soft delete and restore |
| `queries` | `RecordQueries`: records by id, by number, in batches |
| `history` | `RecordHistory`: a record's history rows |
| `rule_groups` | `RuleGroups`: advisory locks and the records of a rule's group |
"""

from yiwang.runtime.records.repository.base import RepositoryBase, visible
from yiwang.runtime.records.repository.claims import IdempotencyClaims
from yiwang.runtime.records.repository.history import RecordHistory
from yiwang.runtime.records.repository.queries import RecordQueries
from yiwang.runtime.records.repository.rows import (
    Claim,
    HistoryRow,
    IdempotentAnswer,
    StoredRecord,
)
from yiwang.runtime.records.repository.rule_groups import RuleGroups
from yiwang.runtime.records.repository.writes import RecordWrites


class RecordRepository(RecordQueries, RecordWrites, RecordHistory, IdempotencyClaims, RuleGroups):
    """Every statement of records in one object, as the service, the checks, the impact
    counter and the commands use it; each part lives in its own module."""


__all__ = [
    "Claim",
    "HistoryRow",
    "IdempotencyClaims",
    "IdempotentAnswer",
    "RecordHistory",
    "RecordQueries",
    "RecordRepository",
    "RecordWrites",
    "RepositoryBase",
    "RuleGroups",
    "StoredRecord",
    "visible",
]
