"""What the aggregate and unique rules need: advisory locks in a stable order, and the
live records of a type whose fields equal a group's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from yiwang.runtime.records.expressions import PARAM_TYPE, checked_key, sql_of
from yiwang.runtime.records.repository.base import RepositoryBase
from yiwang.runtime.records.repository.rows import jsonb

#: statements built once (a `text()` parses its SQL for parameters when made)
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class RuleGroups(RepositoryBase):
    """The statements the rule checks run under their locks."""

    async def lock(self, keys: Sequence[str]) -> None:
        """Transaction-scoped advisory locks, taken in sorted order so two writers never
        wait on each other crosswise."""
        for key in sorted(set(keys)):
            await self.session.execute(_LOCK, {"key": key})

    async def group(
        self,
        tenant_ids: Sequence[int],
        type_key: str,
        matches: Sequence[tuple[str, str | None, Any]],
        *,
        exclude_id: int | None,
        with_data: bool,
    ) -> list[dict[str, Any]]:
        """The live records of `type_key` whose fields equal `matches`: (key, kind, value),
        read by the typed expression of `kind` (so the field's index serves the count), or
        compared as JSON when the field has no such kind. Their data, or a row per record
        when `with_data` is false."""
        clauses = []
        params: dict[str, Any] = {
            "tenants": list(tenant_ids),
            "exclude": exclude_id if exclude_id is not None else -1,
        }
        for index, (key, kind, value) in enumerate(matches):
            if kind is not None and kind in PARAM_TYPE and kind != "codes":
                expr = sql_of(kind, key)
                if value is None:
                    clauses.append(f"{expr} IS NULL")
                else:
                    params[f"v{index}"] = value
                    clauses.append(f"{expr} = CAST(:v{index} AS {PARAM_TYPE[kind]})")
                continue
            params[f"k{index}"] = key
            if value is None:
                clauses.append(f"(data -> :k{index}) IS NULL")
            else:
                params[f"v{index}"] = jsonb(value)
                clauses.append(f"(data -> :k{index}) = CAST(:v{index} AS jsonb)")
        where = "".join(f" AND {c}" for c in clauses)
        columns = "data" if with_data else "'{}'::jsonb AS data"
        rows = await self.session.execute(
            text(
                f"SELECT {columns} FROM records WHERE tenant_id = ANY(:tenants)"
                # a literal, so the type's partial indexes apply (a metadata key, checked)
                f" AND type_key = '{checked_key(type_key)}' AND deleted_at IS NULL"
                f" AND id <> :exclude{where}"
            ),
            params,
        )
        return [dict(r.data) for r in rows]
