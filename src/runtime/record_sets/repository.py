"""The only SQL of record set versions: add one to some counters, read them all."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

Key = tuple[int, str]


class RecordSetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bump(self, keys: Iterable[Key]) -> dict[Key, int]:
        """Add one to each counter (made at 1), in key order so two writers never
        deadlock; the row locks hold until the writer's commit."""
        rows = [{"tenant_id": t, "type_key": k} for t, k in sorted(set(keys))]
        if not rows:
            return {}
        result = await self.session.execute(
            text(
                "INSERT INTO record_set_versions AS v (tenant_id, type_key)"
                " SELECT tenant_id, type_key FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
                " AS r(tenant_id bigint, type_key text) ORDER BY tenant_id, type_key"
                " ON CONFLICT (tenant_id, type_key) DO UPDATE SET version = v.version + 1"
                " RETURNING tenant_id, type_key, version"
            ),
            {"rows": json.dumps(rows)},
        )
        return {(int(r.tenant_id), str(r.type_key)): int(r.version) for r in result}

    async def of(self, tenant_ids: Iterable[int]) -> dict[Key, int]:
        """Every counter of these tenants (as far as the session's scope sees them)."""
        result = await self.session.execute(
            text(
                "SELECT tenant_id, type_key, version FROM record_set_versions"
                " WHERE tenant_id = ANY(CAST(:tenants AS bigint[]))"
            ),
            {"tenants": sorted(set(tenant_ids))},
        )
        return {(int(r.tenant_id), str(r.type_key)): int(r.version) for r in result}
