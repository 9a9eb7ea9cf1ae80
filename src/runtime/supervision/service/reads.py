"""The cross-tenant case reads: a page of cases, the rows of an export, and
grouped counts, over the tenants the guard's scope lets the supervisor see.
The SQL is the `cross_tenant` package's; here the rows get their tenant and labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from yiwang.runtime.supervision import cross_tenant
from yiwang.runtime.supervision.query import CaseQuery, parse_query
from yiwang.runtime.supervision.service.base import SupervisionBase


class CrossTenantReads(SupervisionBase):
    async def cross_tenant_cases(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """A page of cases across the subtree, the tenant in every row."""
        query = parse_query(params)
        found = await cross_tenant.cross_tenant_case_page(
            self.uow.session, self.tenant_ids(query), query
        )
        return {
            "items": [self._case_row(r, query) for r in found.rows],
            "limit": query.limit,
            "truncated": found.truncated,
            "overlay": list(query.overlay),
        }

    def _case_row(self, row: Mapping[str, Any], query: CaseQuery) -> dict[str, Any]:
        out = {
            "tenant": self._tenant(int(row["tenant_id"])),
            "number": row["number"],
            "service_item": row["service_item"],
            "department": row["department"],
            "status": row["status"],
            "colour": row["colour"],
            "submitted_at": row["submitted_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
            "promised_due": row["promised_due"].isoformat() if row["promised_due"] else None,
            "power_type": row["power_type"],
            "online": row["online"],
            "fully_online": row["fully_online"],
            "visits": row["visits"],
        }
        if query.overlay:
            out["overlay"] = {k: row.get(k) for k in query.overlay}
        return out

    async def cross_tenant_export_batch(
        self, query: CaseQuery, *, after: tuple[int, int] | None, size: int
    ) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
        """One step of an export: up to `size` rows after the key `after`, flat (tenant
        code and name in columns of their own, overlay fields beside the base ones, null
        where a tenant has none), and the key to go on from (None at the end)."""
        found = await cross_tenant.cross_tenant_case_batch(
            self.uow.session, self.tenant_ids(query), query, after=after, size=size
        )
        out = []
        for row in found:
            flat = self._case_row(row, query)
            tenant = flat.pop("tenant")
            overlay = flat.pop("overlay", {})
            out.append(
                {"tenant_code": tenant["code"], "tenant_name": tenant["name"], **flat, **overlay}
            )
        last = (int(found[-1]["tenant_id"]), int(found[-1]["id"])) if len(found) == size else None
        return out, last

    async def cross_tenant_export_total(self, query: CaseQuery) -> int:
        """How many rows an export of the query writes (its progress's total)."""
        return await cross_tenant.cross_tenant_case_total(
            self.uow.session, self.tenant_ids(query), query
        )

    async def cross_tenant_counts(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """Case counts across the subtree grouped by base fields (and period)."""
        query = parse_query(params, aggregate=True)
        found = await cross_tenant.cross_tenant_case_counts(
            self.uow.session, self.tenant_ids(query), query
        )
        groups: dict[tuple[Any, ...], int] = {}
        for row in found.rows:
            key = tuple(self._group_value(g, row) for g in query.group)
            groups[key] = groups.get(key, 0) + int(row["count"])
        items = [
            {
                **{g: self._group_label(g, v) for g, v in zip(query.group, key, strict=True)},
                "count": count,
            }
            for key, count in sorted(groups.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]
        return {
            "group": list(query.group),
            "items": items,
            "total": sum(groups.values()),
            "truncated": found.truncated,
        }

    def _group_value(self, key: str, row: Mapping[str, Any]) -> Any:
        if key == "tenant":
            return int(row["tenant_id"])
        if key == "level":
            return self.tree.by_id[int(row["tenant_id"])].level
        value = row[key]
        return value.isoformat() if isinstance(value, date) else value

    def _group_label(self, key: str, value: Any) -> Any:
        return self._tenant(value) if key == "tenant" else value
