"""Versions and publishing: draft -> validate -> impact preview -> publish -> rollback.

Each root tenant (a province) owns its base model; every other tenant owns
at most an overlay. A draft is a working copy of either; publishing checks it
in full, previews its impact on every tenant below, refuses if any of their
overlays would no longer apply, then stores an immutable version with its
content hash, bumps the publish generation and writes an audit record, all in
the caller's unit of work. Once it commits, the new generation is announced
(`ModelCache.announce`) so every worker drops its stale chains.

`MetadataService` is made of one part a module: `reads`, `drafts`, `preview`
(checks, diff, impact), `publishing`; `yiwang.metadata.versions.install` publishes the
bundled templates with it.
"""

from yiwang.metadata.versions.service.base import EXCHANGE_FORMAT
from yiwang.metadata.versions.service.publishing import AUDIT_OBJECT, Publishing
from yiwang.metadata.versions.service.reads import Reads, effective_version_id
from yiwang.metadata.versions.service.record_checks import InvalidRecords, RecordChecks
from yiwang.metadata.versions.service.results import PublishResult, checked, version_summary


class MetadataService(Reads, Publishing):
    """Metadata of the tenants of one tree, in the caller's unit of work.

    `roles` is the role catalogue: a version whose approval steps name a role it
    lacks is refused (`metadata.route.role_unknown`); `records` is the runtime's part
    of a publish (records a change would invalidate, list indexes).
    """


__all__ = [
    "AUDIT_OBJECT",
    "EXCHANGE_FORMAT",
    "InvalidRecords",
    "MetadataService",
    "PublishResult",
    "RecordChecks",
    "checked",
    "effective_version_id",
    "version_summary",
]
