"""Generated records stored in bulk (`yiwang bench seed`): sealed and masked as a
create is, without history rows, audit records per row or idempotent answers; and
copies of stored ones made by PostgreSQL itself, their varying fields drawn anew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yiwang.runtime.records import checks
from yiwang.runtime.records.service.base import DEFAULT_STATUS, RecordBase


@dataclass(frozen=True)
class GeneratedRecord:
    """A generated record ready to store: its id, values, business form and department."""

    id: int
    data: Mapping[str, Any]
    department: str | None = None
    form_key: str | None = None
    form: Mapping[str, Any] | None = None
    created_at: str | None = None


class GeneratedRecords(RecordBase):
    """Bulk stores of generated records."""

    async def store_generated(
        self, type_key: str, items: Sequence[GeneratedRecord], *, validate: bool = False
    ) -> int:
        """Store generated records of `type_key` in bulk (`yiwang bench seed`).

        The generator has validated each one against this tenant's model and
        kept within its aggregate rules; personal data is sealed and masked as
        in `create`. No history rows, no audit record per row (the command
        audits the run), no idempotency answer.
        """
        node, model = self.tenant, await self.model()
        document = self.item_document(model, type_key)
        effective_id = await self.effective_ids.of(self.uow, self.tree, self.models, node)
        rows = []
        for item in items:
            form_doc = model.documents.get(item.form_key) if item.form_key else None
            if validate:
                checks.check(model, type_key, dict(item.data), item.form_key, item.form)
            rows.append(
                {
                    "tenant_id": node.id,
                    "id": item.id,
                    "type_key": type_key,
                    "status": DEFAULT_STATUS,
                    "number": f"{node.code}-{item.id}",
                    "department": item.department,
                    "form_key": item.form_key,
                    "effective_id": effective_id,
                    "actor": self.uow.actor,
                    "created_at": item.created_at,
                    **checks.sealed(
                        self.seal, node.id, type_key, document, item.data, form_doc, item.form
                    ),
                }
            )
        stored = await self.repo.insert_many(rows)
        if stored:
            await self._touched(node, document)
        return stored

    async def store_clones(
        self,
        type_key: str,
        pool: Sequence[int],
        count: int,
        *,
        mixed: Mapping[str, Sequence[Any]],
        unique: Mapping[str, Sequence[Any]],
        always: frozenset[str],
        now: datetime,
        spread_seconds: int,
        seed: float,
        returned: str | None = None,
    ) -> list[tuple[int, str | None]]:
        """Store `count` records of `type_key` copied from the stored records `pool`
        (generated and validated ones), with `mixed` and `unique` fields drawn anew in
        the database (see `RecordRepository.insert_clones`); sealed personal data is
        the copied record's, as is its business form. RLS checks every row.
        `seed` (in [-1, 1]) seeds the draws; the answer is each new id with its value
        of the field `returned`.
        """
        node, model = self.tenant, await self.model()
        document = self.item_document(model, type_key)
        effective_id = await self.effective_ids.of(self.uow, self.tree, self.models, node)
        values = {
            "tenant_id": node.id,
            "code": node.code,
            "type_key": type_key,
            "status": DEFAULT_STATUS,
            "effective_id": effective_id,
            "actor": self.uow.actor,
            "pool": list(pool),
            "n": count,
            "now": now,
            "spread": spread_seconds,
            "seed": seed,
            "returned": returned,
        }
        stored = await self.repo.insert_clones(values, mixed, unique, always)
        if stored:
            await self._touched(node, document)
        return stored
