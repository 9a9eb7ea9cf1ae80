"""Reading records: one by id or by number, several by id, every live record of some
types in batches, and what types a tenant holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from sqlalchemy import text

from yiwang.runtime.records.repository.base import RepositoryBase
from yiwang.runtime.records.repository.rows import COLUMNS, StoredRecord

#: statements built once (a `text()` parses its SQL for parameters when made)
_GET = text(f"SELECT {COLUMNS} FROM records WHERE tenant_id = :tenant_id AND id = :id")
_GET_MANY = text(
    f"SELECT {COLUMNS} FROM records WHERE tenant_id = ANY(:tenants) AND id = ANY(:ids)"
)
_BATCHES = text(
    f"SELECT {COLUMNS} FROM records WHERE tenant_id = :tenant_id"
    " AND (type_key = ANY(:types) OR form_key = ANY(:forms))"
    " AND deleted_at IS NULL AND id > :after ORDER BY id LIMIT :size"
)
_HAS_ANY = text("SELECT EXISTS (SELECT 1 FROM records WHERE tenant_id = :tenant_id)")
_TYPES_PRESENT = text(
    "SELECT DISTINCT type_key FROM records WHERE tenant_id = :tenant_id AND deleted_at IS NULL"
)
_FIND_BY_NUMBER = text(
    f"SELECT {COLUMNS} FROM records WHERE tenant_id = :tenant_id AND number = :number"
)


class RecordQueries(RepositoryBase):
    """The statements that read `records`."""

    async def get(self, tenant_id: int, record_id: int) -> StoredRecord | None:
        row = (
            (
                await self.session.execute(
                    _GET,
                    {"tenant_id": tenant_id, "id": record_id},
                )
            )
            .mappings()
            .one_or_none()
        )
        return StoredRecord.of(row) if row is not None else None

    async def get_many(
        self, tenant_ids: Sequence[int], record_ids: Sequence[int]
    ) -> list[StoredRecord]:
        rows = (
            await self.session.execute(
                _GET_MANY,
                {"tenants": list(tenant_ids), "ids": list(record_ids)},
            )
        ).mappings()
        return [StoredRecord.of(r) for r in rows]

    async def batches(
        self,
        tenant_id: int,
        type_keys: Sequence[str],
        *,
        form_keys: Sequence[str] = (),
        size: int = 1000,
    ) -> AsyncIterator[list[StoredRecord]]:
        """Every live record of `type_keys` (or with a business form of `form_keys`) in
        `tenant_id`, in id order, `size` at a time."""
        after = 0
        while True:
            rows = (
                await self.session.execute(
                    _BATCHES,
                    {
                        "tenant_id": tenant_id,
                        "types": list(type_keys),
                        "forms": list(form_keys),
                        "after": after,
                        "size": size,
                    },
                )
            ).mappings()
            batch = [StoredRecord.of(r) for r in rows]
            if not batch:
                return
            yield batch
            after = batch[-1].id

    async def has_any(self, tenant_id: int) -> bool:
        found = await self.session.scalar(
            _HAS_ANY,
            {"tenant_id": tenant_id},
        )
        return bool(found)

    async def types_present(self, tenant_id: int) -> list[str]:
        rows = await self.session.scalars(
            _TYPES_PRESENT,
            {"tenant_id": tenant_id},
        )
        return [str(r) for r in rows]

    async def find_by_number(self, tenant_id: int, number: str) -> StoredRecord | None:
        row = (
            (
                await self.session.execute(
                    _FIND_BY_NUMBER,
                    {"tenant_id": tenant_id, "number": number},
                )
            )
            .mappings()
            .one_or_none()
        )
        return StoredRecord.of(row) if row is not None else None
