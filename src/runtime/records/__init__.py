"""Records of any item type: one table, validated against the tenant's effective model,
with history, optimistic concurrency, idempotent creates, platform-filled fields,
sealed and masked personal data, aggregate rules enforced under advisory locks,
the bundled sample content and the impact counter for metadata publishes.

| module | holds |
| --- | --- |
| `service/` | `RecordService`: reads, creates, applications, updates, generated records |
| `repository/` | `RecordRepository`: the only SQL (queries, writes, history, keys, rules) |
| `models` | the tables: records, history, idempotency keys, indexes |
| `views` | what callers see: the viewer, a record's view, a create's answer |
| `checks` | what a write must pass (validation, rules), how its values are stored |
| `attached` | the attachments a write names, resolved through the attachments room's port |
| `rules` | which aggregate and unique rules a record takes part in, under which lock |
| `fields` | platform-filled, department and personal fields; field order |
| `privacy` | personal data sealed at rest and masked |
| `changes` | history entries, field by field |
| `idempotency` | what identifies a create's request, what its claim found |
| `service_items` | service items as applications need them, cached per process |
| `effective_ids` | the effective model id a record is stored with, cached |
| `expressions` | the typed SQL expression of a field |
| `impact` | the records a new effective model would refuse (publish preview) |
| `imports` | a spreadsheet imported into an item type, all rows or none |
| `samples` | the bundled sample content as records |
| `controllers`, `commands` | the HTTP API and `yiwang records` |
| `errors`, `messages` | the error classes and their Chinese messages |

Imports `yiwang.metadata`, `yiwang.policy` (the field cipher, the guard's access),
`yiwang.tenants`, `yiwang.platform` and `yiwang.runtime.record_sets` (a write of a
published type moves its set's version); `yiwang.runtime.lists` builds on it. The
attachments a write names are checked through `attached.AttachmentReferences`, a port
the attachments room implements and the runtime's wiring hands in.
"""

from yiwang.runtime.records import messages as _messages  # noqa: F401  (registers the catalogue)
