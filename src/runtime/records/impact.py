"""How many of a tenant's records a new effective model would refuse, for a publish preview.

Only what differs is re-validated: the item types whose document changed (and
applications whose business form changed); records of a type the new model no
longer has are all counted. Personal data is unsealed for the check and never
leaves this function. The count is read under a widened scope of the
publisher's unit of work; what comes out is a count and the first record ids.
"""

from __future__ import annotations

from typing import Final

from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.service import InvalidRecords
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.records import privacy
from yiwang.runtime.records.repository import RecordRepository, StoredRecord, visible
from yiwang.tenants.tree import TenantNode

#: how many invalid records a preview names per tenant
FIRST: Final = 10


def _changed(before: EffectiveModel | None, after: EffectiveModel, kind: str) -> list[str]:
    keys = {k for k, d in after.documents.items() if d.get("kind") == kind}
    if before is not None:
        keys |= {k for k, d in before.documents.items() if d.get("kind") == kind}
        keys = {k for k in keys if before.documents.get(k) != after.documents.get(k)}
    return sorted(keys)


def _valid(seal: privacy.PiiSeal, after: EffectiveModel, stored: StoredRecord) -> bool:
    document = after.documents.get(stored.type_key)
    if document is None or document.get("kind") != "item":
        return False
    data, form = dict(stored.data), stored.form_data
    if stored.pii_sealed is not None:
        part = seal.open(stored.tenant_id, stored.type_key, stored.pii_sealed)
        data = privacy.merge(data, part.get("data"))
        if form is not None:
            form = privacy.merge(form, part.get("form"))
    if not record_validator(after, stored.type_key).is_valid(data):
        return False
    if stored.form_key is not None:
        form_doc = after.documents.get(stored.form_key)
        if form_doc is None or form_doc.get("kind") != "form":
            return False
        return bool(record_validator(after, stored.form_key).is_valid(form or {}))
    return True


async def count_invalid(
    uow: UnitOfWork,
    seal: privacy.PiiSeal,
    tenant: TenantNode,
    before: EffectiveModel | None,
    after: EffectiveModel,
) -> InvalidRecords:
    types, forms = _changed(before, after, "item"), _changed(before, after, "form")
    if not types and not forms:
        return InvalidRecords(0)
    repo = RecordRepository(uow.session)
    acting = uow.scope.acting_tenant_id if uow.scope is not None else tenant.id
    count, first = 0, list[dict[str, object]]()
    async with visible(uow.session, acting, [tenant.id]):
        if not await repo.has_any(tenant.id):
            return InvalidRecords(0)
        async for batch in repo.batches(tenant.id, types, form_keys=forms):
            for stored in batch:
                if _valid(seal, after, stored):
                    continue
                count += 1
                if len(first) < FIRST:
                    first.append(
                        {"id": stored.id, "type": stored.type_key, "number": stored.number}
                    )
    return InvalidRecords(count, first)
