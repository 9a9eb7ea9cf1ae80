"""Records of any item type, in the caller's unit of work: create, read, update, soft
delete, restore, history, and a citizen's application through the service item it names.

Every write is validated by the tenant's effective model (every error listed,
unknown fields refused), checked against the item type's aggregate and unique
rules under advisory locks, stored with its personal data sealed, written to
the record's history and audited in the same transaction. A change names the
version it was made from; a stale one changes nothing (409 `records.stale`).
A create may carry an `Idempotency-Key`: the key is claimed first, so the same
key and body get the first answer and the same key with another body is
refused. Fields the platform fills (`filled_by: platform`) come from the
caller (the route, the case engine), never from the client.

| module | holds |
| --- | --- |
| `base` | `RecordBase`: the acting tenant, its model, a record as callers see it |
| `reads` | `RecordReads`: one record, its history, the audit of personal data seen in full |
| `creating` | `RecordCreates`: create, the idempotency claim, the kept answer |
| `applying` | `RecordApplications`: the service item an application is for, and the application |
| `updates` | `RecordUpdates`: update, soft delete, restore, the stale-version check |
| `generated` | `GeneratedRecords`: generated records stored in bulk |

What the operations rest on lives beside this package in the room: `views`
(what callers see), `checks` (what a write must pass, and how values are
stored), `changes` (history entries), `idempotency`, `service_items` and
`effective_ids`. Their names are re-exported here for the callers.
"""

from yiwang.runtime.records.effective_ids import EffectiveIds
from yiwang.runtime.records.idempotency import Claimed, request_hash
from yiwang.runtime.records.service.applying import RecordApplications
from yiwang.runtime.records.service.base import AUDIT_OBJECT, DEFAULT_STATUS, RecordBase
from yiwang.runtime.records.service.creating import RecordCreates
from yiwang.runtime.records.service.generated import GeneratedRecord, GeneratedRecords
from yiwang.runtime.records.service.reads import RecordReads
from yiwang.runtime.records.service.updates import RecordUpdates
from yiwang.runtime.records.service_items import (
    APPLICATION,
    SERVICE_IN_USE,
    SERVICE_ITEM,
    Applied,
    ServiceItem,
    ServiceItems,
)
from yiwang.runtime.records.views import MASKED, PLATFORM, Created, HistoryEntry, RecordView, Viewer


class RecordService(RecordReads, RecordApplications, RecordUpdates, GeneratedRecords):
    """Records of the unit's acting tenant, as the controllers, the applications room,
    the lists, the jobs and the commands call them; each part lives in its own module."""


__all__ = [
    "APPLICATION",
    "AUDIT_OBJECT",
    "DEFAULT_STATUS",
    "MASKED",
    "PLATFORM",
    "SERVICE_IN_USE",
    "SERVICE_ITEM",
    "Applied",
    "Claimed",
    "Created",
    "EffectiveIds",
    "GeneratedRecord",
    "GeneratedRecords",
    "HistoryEntry",
    "RecordApplications",
    "RecordBase",
    "RecordCreates",
    "RecordReads",
    "RecordService",
    "RecordUpdates",
    "RecordView",
    "ServiceItem",
    "ServiceItems",
    "Viewer",
    "request_hash",
]
