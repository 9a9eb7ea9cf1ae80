"""Generated records stored in bulk (`yiwang bench seed`): sealed and masked as a
create is, without history rows, audit records per row or idempotent answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
