"""The audit trail: an append-only chain of records in the database, anchored outside it.

- `trail`: the table, `record` (append in the caller's transaction),
  `entry` and `record_many` (a unit of work's records in one call, as its
  last statement) and `verify_chain` (recompute every hash);
- `closing`: a unit's records and its COMMIT sent as one simple query, one
  round trip (`UnitOfWork` uses it; `record_many` where it does not apply);
- the chain's SQL functions and triggers live, frozen, in migrations 0001 and
  0005 (`yiwang_audit_append`, `yiwang_audit_verify`, `yiwang_audit_head`,
  `yiwang_audit_hash_at`) and 0011 (`yiwang_audit_append_many`);
- `checkpoints`: a signed statement "the chain's head is seq N with hash H",
  made with an Ed25519 key the database never holds;
- `stores`: where checkpoints go (a file, object storage, syslog);
- `anchoring`: taking a checkpoint, on demand or at intervals, and checking
  the chain against the last one, which the chain alone cannot do: a
  superuser can delete the newest rows, or rewrite a row and every hash after
  it, and the chain still verifies.

Part of the kernel: imports only `yiwang.platform`.
"""

from yiwang.platform.audit.trail import (
    OUTCOMES,
    AuditRecord,
    ChainProblem,
    entry,
    record,
    record_many,
    verify_chain,
)

__all__ = [
    "OUTCOMES",
    "AuditRecord",
    "ChainProblem",
    "entry",
    "record",
    "record_many",
    "verify_chain",
]
